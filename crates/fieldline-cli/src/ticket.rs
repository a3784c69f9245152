//! `fieldline ticket`: local tickets from the terminal. Every change is appended to the
//! ticket's history (and queued for a helpdesk sync); SLA clocks follow from it.

use crate::sla::{parse_time, priority};
use crate::{open_store, Failure};
use clap::{Args, Subcommand};
use fieldline_sla::TicketState;
use fieldline_store::tickets::{NewTicket, Ticket, TicketChange};
use fieldline_store::Clock;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::path::Path;

#[derive(Subcommand)]
pub enum TicketCommand {
    /// Open a ticket
    Open(OpenArgs),
    /// List tickets (open ones unless --all)
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// A ticket with its history
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Change the state: new, in_progress, waiting_on_customer, resolved, closed
    State {
        id: i64,
        state: String,
        #[command(flatten)]
        at: At,
    },
    /// Record the first reply to the customer
    Respond {
        id: i64,
        #[command(flatten)]
        at: At,
    },
    /// Add a note
    Note {
        id: i64,
        text: String,
        #[command(flatten)]
        at: At,
    },
    /// Log time worked
    Time {
        id: i64,
        minutes: u32,
        /// Worked at the customer's site (else remote)
        #[arg(long)]
        on_site: bool,
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        at: At,
    },
    /// Change the priority (P1..P4)
    Priority {
        id: i64,
        priority: String,
        #[command(flatten)]
        at: At,
    },
    /// Move the ticket to another SLA policy (time already used is kept)
    Policy {
        id: i64,
        policy: String,
        #[command(flatten)]
        at: At,
    },
}

#[derive(Args)]
pub struct At {
    /// When it happened (RFC 3339, or local "2026-11-24 09:30") [default: now]
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

#[derive(Args)]
pub struct OpenArgs {
    #[arg(long)]
    customer: String,
    #[arg(long)]
    endpoint: Option<String>,
    /// P1, P2, P3 or P4
    #[arg(long)]
    priority: String,
    /// SLA policy [default: the customer's contract]
    #[arg(long)]
    policy: Option<String>,
    #[command(flatten)]
    at: At,
    /// Print the ticket as JSON
    #[arg(long)]
    json: bool,
    /// The title
    #[arg(required = true, num_args = 1..)]
    title: Vec<String>,
}

fn when(at: &At, clock: &Clock) -> Result<Timestamp, Failure> {
    match &at.at {
        None => Ok(clock.now()),
        Some(text) => parse_time(text, &TimeZone::system()),
    }
}

fn print(t: &Ticket, json: bool) -> Result<(), Failure> {
    if json {
        let s = serde_json::to_string_pretty(t).map_err(|e| Failure(e.to_string()))?;
        println!("{s}");
    } else {
        println!(
            "#{} {} [{} {} {}] {}",
            t.id,
            t.customer,
            t.priority.as_str(),
            t.state.as_str(),
            t.policy,
            t.title
        );
    }
    Ok(())
}

pub fn run(cmd: TicketCommand, data_dir: Option<&Path>) -> Result<(), Failure> {
    let clock = Clock::from_env()?;
    let mut store = open_store(data_dir)?;
    let (id, at, change) = match cmd {
        TicketCommand::Open(a) => {
            let at = when(&a.at, &clock)?;
            let t = store.open_ticket(
                NewTicket {
                    customer: a.customer,
                    endpoint: a.endpoint,
                    title: a.title.join(" "),
                    priority: priority(&a.priority)?,
                    policy: a.policy,
                },
                at,
            )?;
            return print(&t, a.json);
        }
        TicketCommand::List { all, json } => {
            let tickets = store.tickets(!all)?;
            if json {
                let s =
                    serde_json::to_string_pretty(&tickets).map_err(|e| Failure(e.to_string()))?;
                println!("{s}");
            } else {
                for t in &tickets {
                    print(t, false)?;
                }
            }
            return Ok(());
        }
        TicketCommand::Show { id, json } => {
            let t = store.ticket(id)?;
            print(&t, json)?;
            if !json {
                for e in &t.events {
                    println!(
                        "  {}  {}",
                        e.at,
                        serde_json::to_string(&e.change).unwrap_or_default()
                    );
                }
            }
            return Ok(());
        }
        TicketCommand::State { id, state, at } => {
            let state = TicketState::parse(&state).ok_or_else(|| {
                Failure(format!(
                    "state {state:?}: use new, in_progress, waiting_on_customer, resolved or closed"
                ))
            })?;
            (id, when(&at, &clock)?, TicketChange::State { state })
        }
        TicketCommand::Respond { id, at } => (id, when(&at, &clock)?, TicketChange::Responded),
        TicketCommand::Note { id, text, at } => {
            (id, when(&at, &clock)?, TicketChange::Note { text })
        }
        TicketCommand::Time {
            id,
            minutes,
            on_site,
            note,
            at,
        } => (
            id,
            when(&at, &clock)?,
            TicketChange::Time {
                minutes,
                on_site,
                note,
            },
        ),
        TicketCommand::Priority {
            id,
            priority: p,
            at,
        } => (
            id,
            when(&at, &clock)?,
            TicketChange::Priority {
                priority: priority(&p)?,
            },
        ),
        TicketCommand::Policy { id, policy, at } => {
            (id, when(&at, &clock)?, TicketChange::Policy { policy })
        }
    };
    let t = store.change_ticket(id, at, change)?;
    print(&t, false)
}
