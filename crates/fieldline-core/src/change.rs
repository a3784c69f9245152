//! Edits to the fleet as values: the UI and the CLI describe what they want, the store
//! applies it inside one transaction, and the whole result is validated before it is kept.

use crate::issue::FleetIssue;
use crate::model::{Customer, Endpoint, Fleet, Site};
use crate::validate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// One edit of the inventory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind")]
pub enum FleetChange {
    CreateCustomer {
        customer: Customer,
    },
    UpdateCustomer {
        customer: Customer,
    },
    /// Deletes the customer with its sites and their endpoints.
    DeleteCustomer {
        id: String,
    },
    CreateSite {
        site: Site,
    },
    UpdateSite {
        site: Site,
    },
    /// Deletes the site with its endpoints.
    DeleteSite {
        id: String,
    },
    CreateEndpoint {
        endpoint: Endpoint,
    },
    UpdateEndpoint {
        endpoint: Endpoint,
    },
    DeleteEndpoint {
        id: String,
    },
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChangeError {
    #[error("there is no {what} with id {id:?}; it may have been deleted meanwhile")]
    NotFound { what: &'static str, id: String },
    #[error("a {what} with id {id:?} already exists; choose another id")]
    AlreadyExists { what: &'static str, id: String },
    #[error("the change was not saved:\n{}", crate::issue::render(.0))]
    Invalid(Vec<FleetIssue>),
}

fn replace<T>(
    list: &mut [T],
    item: T,
    id: impl Fn(&T) -> &str,
    what: &'static str,
) -> Result<(), ChangeError> {
    let key = id(&item).to_string();
    match list.iter_mut().find(|x| id(x) == key) {
        Some(slot) => {
            *slot = item;
            Ok(())
        }
        None => Err(ChangeError::NotFound { what, id: key }),
    }
}

fn insert<T>(
    list: &mut Vec<T>,
    item: T,
    id: impl Fn(&T) -> &str,
    what: &'static str,
) -> Result<(), ChangeError> {
    if list.iter().any(|x| id(x) == id(&item)) {
        return Err(ChangeError::AlreadyExists {
            what,
            id: id(&item).to_string(),
        });
    }
    list.push(item);
    Ok(())
}

fn remove<T>(
    list: &mut Vec<T>,
    key: &str,
    id: impl Fn(&T) -> &str,
    what: &'static str,
) -> Result<(), ChangeError> {
    let before = list.len();
    list.retain(|x| id(x) != key);
    if list.len() == before {
        return Err(ChangeError::NotFound {
            what,
            id: key.to_string(),
        });
    }
    Ok(())
}

fn trim_endpoint(mut e: Endpoint) -> Endpoint {
    let blank_to_none =
        |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    e.id = e.id.trim().to_string();
    e.host = e.host.trim().to_string();
    e.name = e.name.trim().to_string();
    e.parent = blank_to_none(e.parent);
    e.ssh.user = blank_to_none(e.ssh.user);
    e.ssh.jump = blank_to_none(e.ssh.jump);
    e.ssh.credential = blank_to_none(e.ssh.credential);
    e.tags = e
        .tags
        .into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    e
}

impl FleetChange {
    /// Applies the change to a copy of `fleet` and validates the result as a whole.
    pub fn apply(self, fleet: &Fleet) -> Result<Fleet, ChangeError> {
        let mut next = fleet.clone();
        match self {
            FleetChange::CreateCustomer { mut customer } => {
                customer.id = customer.id.trim().to_string();
                insert(&mut next.customers, customer, |c| &c.id, "customer")?
            }
            FleetChange::UpdateCustomer { customer } => {
                replace(&mut next.customers, customer, |c| &c.id, "customer")?
            }
            FleetChange::DeleteCustomer { id } => {
                remove(&mut next.customers, &id, |c| &c.id, "customer")?;
                let gone: Vec<String> = next
                    .sites
                    .iter()
                    .filter(|s| s.customer == id)
                    .map(|s| s.id.clone())
                    .collect();
                next.sites.retain(|s| s.customer != id);
                next.endpoints.retain(|e| !gone.contains(&e.site));
            }
            FleetChange::CreateSite { mut site } => {
                site.id = site.id.trim().to_string();
                site.timezone = site.timezone.trim().to_string();
                insert(&mut next.sites, site, |s| &s.id, "site")?
            }
            FleetChange::UpdateSite { mut site } => {
                site.timezone = site.timezone.trim().to_string();
                replace(&mut next.sites, site, |s| &s.id, "site")?
            }
            FleetChange::DeleteSite { id } => {
                remove(&mut next.sites, &id, |s| &s.id, "site")?;
                next.endpoints.retain(|e| e.site != id);
            }
            FleetChange::CreateEndpoint { endpoint } => insert(
                &mut next.endpoints,
                trim_endpoint(endpoint),
                |e| &e.id,
                "endpoint",
            )?,
            FleetChange::UpdateEndpoint { endpoint } => replace(
                &mut next.endpoints,
                trim_endpoint(endpoint),
                |e| &e.id,
                "endpoint",
            )?,
            FleetChange::DeleteEndpoint { id } => {
                remove(&mut next.endpoints, &id, |e| &e.id, "endpoint")?
            }
        }
        let issues = validate::validate(&next);
        if !issues.is_empty() {
            return Err(ChangeError::Invalid(issues));
        }
        next.normalize();
        Ok(next)
    }
}
