//! SLA math for Fieldline: when is a customer's service desk open, and how much of an
//! SLA target has a ticket used.
//!
//! - [`Calendar`]: weekly opening hours and holidays in the customer's IANA time zone
//!   (or around the clock). Holidays are civil dates *in that zone*, so a holiday never
//!   starts a day early because the technician's laptop is elsewhere.
//! - [`ical`]: public holidays from iCalendar (.ics) text, for a calendar's holidays.
//! - [`clock`]: an SLA clock computed from a ticket's event history on every read, so it
//!   is right after a restart, a sleep or a week offline. Nothing here keeps a timer.
//!
//! Not for: storing tickets, notifying, or reading files from disk (the caller hands in
//! their text); those build on this.

mod calendar;
mod clock;
mod error;
pub mod ical;
pub mod policy_file;

pub use calendar::{Calendar, Window};
pub use clock::{clock, ClockKind, ClockState, Event, Policy, Priority, Targets, TicketState};
pub use error::SlaError;
