//! Test doubles for the SSH tests: an in-memory SecretStore (the real Secret Service
//! keychain is covered by fieldline-keychain's own tests) that records every account asked
//! for, and a scripted Prompter that records every question.

#![allow(dead_code)]

use fieldline_keychain::{SecretError, SecretStore};
use fieldline_ssh::connect::{HostKeyQuestion, Prompter, SecretQuestion};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

#[derive(Default)]
pub struct MemStore {
    map: Mutex<HashMap<String, String>>,
    pub asked: Mutex<Vec<String>>,
}

impl MemStore {
    pub fn with(entries: &[(&str, &str)]) -> MemStore {
        let s = MemStore::default();
        for (k, v) in entries {
            s.map.lock().unwrap().insert(k.to_string(), v.to_string());
        }
        s
    }
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

impl SecretStore for MemStore {
    fn get(&self, account: &str) -> Result<Option<String>, SecretError> {
        self.asked.lock().unwrap().push(account.to_owned());
        Ok(self.map.lock().unwrap().get(account).cloned())
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), SecretError> {
        self.map
            .lock()
            .unwrap()
            .insert(account.to_owned(), secret.to_owned());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), SecretError> {
        self.map.lock().unwrap().remove(account);
        Ok(())
    }
}

#[derive(Default)]
pub struct Scripted {
    pub accept_host_keys: bool,
    pub answers: VecDeque<Option<String>>,
    pub host_key_questions: Vec<HostKeyQuestion>,
    pub secret_questions: Vec<SecretQuestion>,
}

impl Scripted {
    pub fn accepting() -> Scripted {
        Scripted {
            accept_host_keys: true,
            ..Scripted::default()
        }
    }
    pub fn answering(answers: &[&str]) -> Scripted {
        Scripted {
            accept_host_keys: true,
            answers: answers.iter().map(|a| Some(a.to_string())).collect(),
            ..Scripted::default()
        }
    }
}

impl Prompter for Scripted {
    fn host_key(&mut self, q: &HostKeyQuestion) -> bool {
        self.host_key_questions.push(q.clone());
        self.accept_host_keys
    }
    fn secret(&mut self, q: &SecretQuestion) -> Option<String> {
        self.secret_questions.push(q.clone());
        self.answers.pop_front().flatten()
    }
}
