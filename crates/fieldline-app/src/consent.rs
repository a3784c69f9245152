//! The technician's consent, asked where the window cannot answer.
//!
//! Every operation that reaches a customer or writes outside the data folder describes
//! itself as an [`Ask`] before it does anything. A [`Confirm`] asks the technician: the
//! desktop shell raises a native dialog from Rust (never a page in the webview), the CLI
//! asks on its terminal or takes `--yes`. The question states the blast radius in the
//! technician's language; nothing happens unless the answer is [`Decision::Approved`].

use fieldline_core::Risk;
use fieldline_ipc::Language;
use std::io::{BufRead, IsTerminal, Write};

/// Most lines a list in a question shows; the rest are counted.
const MAX_LISTED: usize = 25;
/// Most characters of a command shown in a title or a list line.
const MAX_COMMAND_CHARS: usize = 400;

/// Something only the technician may allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// One command on many hosts. `customers` are (customer, hosts of theirs), largest first.
    Fanout {
        command: String,
        hosts: Vec<String>,
        customers: Vec<(String, usize)>,
    },
    /// Logging in to a customer's host in a terminal tab (everything typed there runs on
    /// it). `via`: the jump hosts on the way, in order.
    OpenSession {
        endpoint: String,
        customer: String,
        user: String,
        via: Vec<String>,
    },
    /// Trusting a host key seen for the first time.
    AcceptHostKey {
        endpoint: String,
        hop: String,
        host: String,
        port: u16,
        key_type: String,
        fingerprint: String,
    },
    /// Forgetting a known host key (the next connection is a first contact again).
    ForgetHostKey {
        hosts: String,
        key_type: String,
        fingerprint: String,
    },
    /// Trusting every host key of an OpenSSH known_hosts file at once.
    ImportKnownHosts { file: String, keys: usize },
    /// A loopback port into a customer's network.
    OpenForward {
        endpoint: String,
        customer: String,
        local_port: u16,
        remote: String,
    },
    /// A fleet change that sets up things acting with the technician's credentials
    /// (commands run on a schedule, credential bindings, TLS checks turned off...).
    FleetChange { source: String, items: Vec<Risk> },
    /// Replacing the store (fleet, tickets and their history, settings) and, from a backup
    /// folder, known_hosts and the audit log, with a backup. `made`: what the backup's
    /// manifest says (none for a bare database file). `restarts`: the app restarts to do it.
    Restore {
        backup: String,
        data_dir: String,
        made: Option<BackupMade>,
        restarts: bool,
    },
}

/// What a backup's manifest says, as a restore question shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupMade {
    pub created: String,
    pub fieldline: String,
    pub schema: u32,
    /// Rows of the tables worth naming, in [`Held`] order.
    pub holds: Vec<(Held, i64)>,
    pub files: Vec<String>,
}

/// The tables a backup summary names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    Customers,
    Endpoints,
    Tickets,
    TicketEvents,
    CredentialProfiles,
}

impl Held {
    /// Every one, in the order a summary names them, with its table.
    pub const ALL: [(Held, &'static str); 5] = [
        (Held::Customers, "customers"),
        (Held::Endpoints, "endpoints"),
        (Held::Tickets, "tickets"),
        (Held::TicketEvents, "ticket_events"),
        (Held::CredentialProfiles, "ssh_profiles"),
    ];

    fn label(self, lang: Language) -> &'static str {
        match (self, lang) {
            (Held::Customers, Language::En) => "customers",
            (Held::Endpoints, Language::En) => "endpoints",
            (Held::Tickets, Language::En) => "tickets",
            (Held::TicketEvents, Language::En) => "ticket events",
            (Held::CredentialProfiles, Language::En) => "credential profiles",
            (Held::Customers, Language::Ko) => "고객",
            (Held::Endpoints, Language::Ko) => "엔드포인트",
            (Held::Tickets, Language::Ko) => "티켓",
            (Held::TicketEvents, Language::Ko) => "티켓 이벤트",
            (Held::CredentialProfiles, Language::Ko) => "자격 증명 프로필",
        }
    }

    /// "3 customers, 12 endpoints, …" (Korean: "고객 3, 엔드포인트 12, …").
    pub fn summary(holds: &[(Held, i64)], lang: Language) -> String {
        holds
            .iter()
            .map(|(held, n)| match lang {
                Language::En => format!("{n} {}", held.label(lang)),
                Language::Ko => format!("{} {n}", held.label(lang)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A question as shown: the title names the operation and its size, the body the details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    pub body: String,
    pub accept: String,
    pub cancel: String,
}

/// What the technician answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approved,
    Declined,
    /// There was no one to ask (no terminal, no window); the reason says what to do.
    Unasked(String),
}

impl Decision {
    pub fn approved(&self) -> bool {
        matches!(self, Decision::Approved)
    }

    /// `Ok` when approved, else the words to tell the technician why nothing was done.
    pub fn require(self, lang: Language) -> Result<(), String> {
        match self {
            Decision::Approved => Ok(()),
            Decision::Declined => Err(match lang {
                Language::En => "Not done: it was not approved.".to_owned(),
                Language::Ko => "승인되지 않아 실행하지 않았습니다.".to_owned(),
            }),
            Decision::Unasked(reason) => Err(reason),
        }
    }
}

/// Asks the technician, outside the window.
pub trait Confirm: Send + Sync {
    fn confirm(&self, ask: &Ask) -> Decision;
}

/// `text` on one line, control characters shown as `\u{..}` (a command may hold escape
/// sequences meant to hide part of it: what is shown is what runs), cut at `max` characters.
fn shorten(text: &str, max: usize) -> String {
    let one_line: String = text
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_unicode().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut out: String = one_line.chars().take(max).collect();
    out.push('…');
    out
}

/// Up to `cap` lines (each cut at [`MAX_COMMAND_CHARS`]), then how many more; `None`:
/// every line, whole.
fn listed(lines: &[String], lang: Language, cap: Option<usize>) -> String {
    let (take, cut) = match cap {
        Some(n) => (n, MAX_COMMAND_CHARS),
        None => (usize::MAX, usize::MAX),
    };
    let mut out: Vec<String> = lines
        .iter()
        .take(take)
        .map(|l| format!("• {}", shorten(l, cut)))
        .collect();
    if lines.len() > take {
        let more = lines.len() - take;
        out.push(match lang {
            Language::En => format!("… and {more} more"),
            Language::Ko => format!("… 외 {more}개"),
        });
    }
    out.join("\n")
}

impl Ask {
    /// Whether every item a dialog must show fits in it. A fleet change is approved only
    /// with every item in view: when it has more than a dialog can list, it is not asked
    /// there (see [`Ask::too_long`]); a fan-out's hosts may be cut, its customers never are.
    pub fn fits_a_dialog(&self) -> bool {
        match self {
            Ask::FleetChange { items, .. } => items.len() <= MAX_LISTED,
            _ => true,
        }
    }

    /// What a dialog says instead of a question that does not fit ([`Ask::fits_a_dialog`]).
    pub fn too_long(&self, lang: Language) -> String {
        let n = match self {
            Ask::FleetChange { items, .. } => items.len(),
            _ => 0,
        };
        match lang {
            Language::En => format!(
                "This sets up {n} items that act with your credentials: too many to review in a \
                 dialog, so nothing was saved. Review and approve them in a terminal with \
                 `fieldline fleet import FILE`, which lists every one."
            ),
            Language::Ko => format!(
                "내 자격 증명으로 동작하는 항목이 {n}개라 대화 상자에서 모두 확인할 수 없어 아무것도 \
                 저장하지 않았습니다. 터미널에서 `fieldline fleet import FILE`로 모든 항목을 확인하고 \
                 승인하세요."
            ),
        }
    }

    /// The question in `lang` for a dialog: long lists are cut at [`MAX_LISTED`] lines
    /// and counted.
    pub fn text(&self, lang: Language) -> Text {
        self.render(lang, Some(MAX_LISTED))
    }

    /// The question in `lang` with every item whole (for a terminal, which scrolls).
    pub fn text_complete(&self, lang: Language) -> Text {
        self.render(lang, None)
    }

    fn render(&self, lang: Language, cap: Option<usize>) -> Text {
        let (accept, cancel) = match lang {
            Language::En => ("Allow", "Cancel"),
            Language::Ko => ("허용", "취소"),
        };
        let (title, body) = match (self, lang) {
            (
                Ask::Fanout {
                    command,
                    hosts,
                    customers,
                },
                _,
            ) => {
                let by_customer = customers
                    .iter()
                    .map(|(c, n)| format!("{c} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let command = shorten(command, MAX_COMMAND_CHARS);
                let (n, m) = (hosts.len(), customers.len());
                match lang {
                    Language::En => {
                        let hosts_of = format!(
                            "{n} host{} of {m} customer{}",
                            if n == 1 { "" } else { "s" },
                            if m == 1 { "" } else { "s" }
                        );
                        (
                            format!("Fieldline: run a command on {hosts_of}?"),
                            format!(
                                "Run `{command}` on {hosts_of}: {by_customer}\n\n{}",
                                listed(hosts, lang, cap)
                            ),
                        )
                    }
                    Language::Ko => (
                        format!("Fieldline: 고객사 {m}곳의 호스트 {n}대에서 명령을 실행할까요?"),
                        format!(
                            "`{command}` 명령을 고객사 {m}곳의 호스트 {n}대에서 실행합니다: {by_customer}\n\n{}",
                            listed(hosts, lang, cap)
                        ),
                    ),
                }
            }
            (
                Ask::OpenSession {
                    endpoint,
                    customer,
                    user,
                    via,
                },
                _,
            ) => {
                let via = via.join(" → ");
                match lang {
                    Language::En => (
                        format!("Fieldline: open a terminal on {endpoint} ({customer})?"),
                        format!(
                            "Log in to {endpoint} of {customer} as {user}{}, with your saved \
                             credentials.\n\nWhatever is typed in the tab runs there; the session is \
                             recorded and audited.",
                            if via.is_empty() {
                                String::new()
                            } else {
                                format!(" through {via}")
                            }
                        ),
                    ),
                    Language::Ko => (
                        format!("Fieldline: {endpoint}({customer})에 터미널을 열까요?"),
                        format!(
                            "저장된 자격 증명으로 {customer}의 {endpoint}에 {user}(으)로 로그인합니다{}.\n\n\
                             탭에 입력하는 모든 내용이 그 호스트에서 실행되며, 세션은 녹화되고 감사 기록에 남습니다.",
                            if via.is_empty() {
                                String::new()
                            } else {
                                format!(" ({via} 경유)")
                            }
                        ),
                    ),
                }
            }
            (
                Ask::AcceptHostKey {
                    endpoint,
                    hop,
                    host,
                    port,
                    key_type,
                    fingerprint,
                },
                _,
            ) => match lang {
                Language::En => (
                    format!("Fieldline: trust the host key of {hop}?"),
                    format!(
                        "First contact with {hop} ({host}:{port}) on the way to {endpoint}.\n\
                         Its {key_type} host key fingerprint is\n{fingerprint}\n\n\
                         Compare it with the one the host's owner gave you. Trust and remember it?"
                    ),
                ),
                Language::Ko => (
                    format!("Fieldline: {hop}의 호스트 키를 신뢰할까요?"),
                    format!(
                        "{endpoint}(으)로 가는 길에 {hop}({host}:{port})에 처음 연결합니다.\n\
                         {key_type} 호스트 키 지문:\n{fingerprint}\n\n\
                         호스트 관리자에게 받은 지문과 비교하세요. 신뢰하고 기억할까요?"
                    ),
                ),
            },
            (
                Ask::ForgetHostKey {
                    hosts,
                    key_type,
                    fingerprint,
                },
                _,
            ) => {
                let short = shorten(hosts, 80);
                match lang {
                    Language::En => (
                        format!("Fieldline: forget the host key of {short}?"),
                        format!(
                            "Forget the {key_type} key {fingerprint} of {hosts}?\n\n\
                             The next connection will ask as if it were the first contact. Do this \
                             only after the host's owner has confirmed that its key really changed."
                        ),
                    ),
                    Language::Ko => (
                        format!("Fieldline: {short}의 호스트 키를 삭제할까요?"),
                        format!(
                            "{hosts}의 {key_type} 키 {fingerprint}을(를) 삭제할까요?\n\n\
                             다음 연결은 처음 연결처럼 확인을 요청합니다. 호스트 관리자가 키가 실제로 \
                             바뀌었다고 확인해 준 경우에만 삭제하세요."
                        ),
                    ),
                }
            }
            (Ask::ImportKnownHosts { file, keys }, _) => match lang {
                Language::En => (
                    format!("Fieldline: trust the {keys} host keys of {file}?"),
                    format!(
                        "Copy the {keys} host keys of {file} into Fieldline's known hosts?\n\n\
                         Sessions, file transfers and commands will then connect to those hosts \
                         without asking. Do this only if you checked those keys when you first \
                         connected with OpenSSH."
                    ),
                ),
                Language::Ko => (
                    format!("Fieldline: {file}의 호스트 키 {keys}개를 신뢰할까요?"),
                    format!(
                        "{file}의 호스트 키 {keys}개를 Fieldline의 알려진 호스트로 복사할까요?\n\n\
                         이후 세션, 파일 전송, 명령은 이 호스트들에 묻지 않고 연결합니다. OpenSSH로 \
                         처음 연결할 때 키를 확인한 경우에만 진행하세요."
                    ),
                ),
            },
            (
                Ask::OpenForward {
                    endpoint,
                    customer,
                    local_port,
                    remote,
                },
                _,
            ) => {
                let local = match (lang, *local_port) {
                    (Language::En, 0) => "a free port of 127.0.0.1".to_owned(),
                    (Language::Ko, 0) => "127.0.0.1의 빈 포트".to_owned(),
                    (_, p) => format!("127.0.0.1:{p}"),
                };
                match lang {
                    Language::En => (
                        format!("Fieldline: open a port into {customer}'s network?"),
                        format!(
                            "Open {local} on this computer to {remote} as seen from {endpoint} \
                             ({customer}).\n\nAny program on this computer can use it while it is open."
                        ),
                    ),
                    Language::Ko => (
                        format!("Fieldline: {customer} 네트워크로 포트를 열까요?"),
                        format!(
                            "이 컴퓨터의 {local}에서 {endpoint}({customer})을(를) 거쳐 {remote}(으)로 \
                             연결합니다.\n\n열려 있는 동안 이 컴퓨터의 모든 프로그램이 사용할 수 있습니다."
                        ),
                    ),
                }
            }
            (Ask::FleetChange { source, items }, Language::En) => {
                let items: Vec<String> = items.iter().map(|r| r.text(lang)).collect();
                (
                    format!(
                        "Fieldline: approve {} that act{} with your credentials?",
                        if items.len() == 1 {
                            "1 item".to_owned()
                        } else {
                            format!("{} items", items.len())
                        },
                        if items.len() == 1 { "s" } else { "" }
                    ),
                    format!(
                        "{source} sets up what runs or signs in with your credentials:\n\n{}\n\n\
                     Nothing of it is saved unless you allow it.",
                        listed(&items, lang, cap)
                    ),
                )
            }
            (
                Ask::Restore {
                    backup,
                    data_dir,
                    made,
                    restarts,
                },
                Language::En,
            ) => {
                let title = match made {
                    Some(m) => format!("Fieldline: restore the backup made {}?", m.created),
                    None => format!("Fieldline: restore {}?", shorten(backup, 80)),
                };
                let what = match made {
                    Some(m) => format!(
                        "It was made {} by Fieldline {} (schema {}) and holds {}; files: {}.",
                        m.created,
                        m.fieldline,
                        m.schema,
                        Held::summary(&m.holds, lang),
                        m.files.join(", ")
                    ),
                    None => "It is a database file alone: known_hosts and the audit log stay as \
                             they are."
                        .to_owned(),
                };
                let restart = if *restarts {
                    "\n\nFieldline restarts to do it."
                } else {
                    ""
                };
                (
                    title,
                    format!(
                        "Replace Fieldline's data in {data_dir} with the backup {backup}?\n{what}\n\n\
                         Everything changed since the backup (tickets, notes, fleet edits, status \
                         history) is no longer shown. The current database and files are set aside \
                         in the data folder (*.before-restore-<time>), not deleted. Secrets are \
                         never in a backup: the keychain keeps its own.{restart}"
                    ),
                )
            }
            (
                Ask::Restore {
                    backup,
                    data_dir,
                    made,
                    restarts,
                },
                Language::Ko,
            ) => {
                let title = match made {
                    Some(m) => format!("Fieldline: {}에 만든 백업으로 복원할까요?", m.created),
                    None => format!("Fieldline: {}(으)로 복원할까요?", shorten(backup, 80)),
                };
                let what = match made {
                    Some(m) => format!(
                        "{}에 Fieldline {}(스키마 {})이(가) 만든 백업이며 {}을(를) 담고 있습니다. 파일: {}.",
                        m.created,
                        m.fieldline,
                        m.schema,
                        Held::summary(&m.holds, lang),
                        m.files.join(", ")
                    ),
                    None => "데이터베이스 파일뿐인 백업입니다. known_hosts와 감사 로그는 그대로 둡니다."
                        .to_owned(),
                };
                let restart = if *restarts {
                    "\n\n복원하려면 Fieldline이 다시 시작됩니다."
                } else {
                    ""
                };
                (
                    title,
                    format!(
                        "{data_dir}의 Fieldline 데이터를 백업 {backup}(으)로 바꿀까요?\n{what}\n\n\
                         백업 이후에 바뀐 내용(티켓, 메모, 인벤토리 편집, 상태 기록)은 더 이상 보이지 \
                         않습니다. 지금의 데이터베이스와 파일은 데이터 폴더에 따로 보관되며\
                         (*.before-restore-<시각>) 삭제되지 않습니다. 비밀 정보는 백업에 들어 있지 \
                         않으며 키체인에 그대로 있습니다.{restart}"
                    ),
                )
            }
            (Ask::FleetChange { source, items }, Language::Ko) => {
                let items: Vec<String> = items.iter().map(|r| r.text(lang)).collect();
                (
                    format!(
                        "Fieldline: 내 자격 증명으로 동작하는 항목 {}개를 승인할까요?",
                        items.len()
                    ),
                    format!(
                    "{source}에 내 자격 증명으로 실행되거나 로그인하는 항목이 있습니다:\n\n{}\n\n\
                     허용하지 않으면 아무것도 저장되지 않습니다.",
                    listed(&items, lang, cap)
                ),
                )
            }
        };
        Text {
            title,
            body,
            accept: accept.to_owned(),
            cancel: cancel.to_owned(),
        }
    }
}

/// The language of a terminal's user: Korean when `LC_ALL`, `LC_MESSAGES` or `LANG` says so.
pub fn terminal_language() -> Language {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .filter(|v| v.starts_with("ko"))
        .map_or(Language::En, |_| Language::Ko)
}

/// Approval given by the command itself: the technician typed it at their own terminal
/// (`fieldline ssh db` is the request to log in to db). Never used for what the window asks.
pub struct Typed;

impl Confirm for Typed {
    fn confirm(&self, _ask: &Ask) -> Decision {
        Decision::Approved
    }
}

/// The CLI's confirmation: `--yes` approves (for scripts); otherwise the question goes to
/// the terminal and only `yes` approves; with no terminal nothing is done.
pub struct Terminal {
    pub yes: bool,
    pub lang: Language,
}

impl Terminal {
    pub fn new(yes: bool) -> Terminal {
        Terminal {
            yes,
            lang: terminal_language(),
        }
    }

    /// Asks on `input`/`output`; `interactive` says whether a person is there.
    pub fn ask_on(
        &self,
        ask: &Ask,
        interactive: bool,
        input: &mut dyn BufRead,
        output: &mut dyn Write,
    ) -> Decision {
        let text = ask.text_complete(self.lang);
        if self.yes {
            // Said even when approved up front, so a script's log shows what it allowed.
            let _ = writeln!(output, "{}\n{}", text.title, text.body);
            let _ = writeln!(
                output,
                "{}",
                match self.lang {
                    Language::En => "approved with --yes",
                    Language::Ko => "--yes로 승인됨",
                }
            );
            return Decision::Approved;
        }
        if !interactive {
            return Decision::Unasked(match self.lang {
                Language::En => format!(
                    "{}\n{}\nNothing was changed or run: there is no terminal to ask. Read the above, then add --yes to allow it.",
                    text.title, text.body
                ),
                Language::Ko => format!(
                    "{}\n{}\n물어볼 터미널이 없어 아무것도 바꾸거나 실행하지 않았습니다. 위 내용을 확인한 뒤 --yes를 붙여 허용하세요.",
                    text.title, text.body
                ),
            });
        }
        let prompt = match self.lang {
            Language::En => "Type yes to allow it: ",
            Language::Ko => "허용하려면 yes를 입력하세요: ",
        };
        let _ = write!(output, "{}\n{}\n{prompt}", text.title, text.body);
        let _ = output.flush();
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(_) if line.trim() == "yes" => Decision::Approved,
            _ => Decision::Declined,
        }
    }
}

impl Confirm for Terminal {
    fn confirm(&self, ask: &Ask) -> Decision {
        let interactive = std::io::stdin().is_terminal();
        self.ask_on(
            ask,
            interactive,
            &mut std::io::stdin().lock(),
            &mut std::io::stderr(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fanout() -> Ask {
        Ask::Fanout {
            command: "apt upgrade -y".into(),
            hosts: (1..=14).map(|i| format!("host-{i}")).collect(),
            customers: vec![
                ("acme".into(), 6),
                ("hanbit".into(), 5),
                ("busan-clinic".into(), 3),
            ],
        }
    }

    #[test]
    fn a_fanout_states_its_blast_radius_in_both_languages() {
        let en = fanout().text(Language::En);
        assert!(en.title.contains("14 hosts of 3 customers"), "{}", en.title);
        assert!(
            en.body.starts_with(
                "Run `apt upgrade -y` on 14 hosts of 3 customers: acme (6), hanbit (5), busan-clinic (3)"
            ),
            "{}",
            en.body
        );
        assert!(en.body.contains("• host-14"));
        let ko = fanout().text(Language::Ko);
        assert!(
            ko.title.contains("고객사 3곳의 호스트 14대"),
            "{}",
            ko.title
        );
        assert!(ko.body.contains("acme (6), hanbit (5), busan-clinic (3)"));
        assert_eq!(ko.accept, "허용");
    }

    #[test]
    fn long_lists_are_cut_and_counted_and_control_characters_do_not_reach_the_dialog() {
        let ask = Ask::FleetChange {
            source: "fleet.toml".into(),
            items: (0..40)
                .map(|i| Risk::SshCommand {
                    endpoint: format!("e{i}"),
                    check: 0,
                    host: "10.0.0.1".into(),
                    user: None,
                    port: None,
                    command: format!("cmd {i}\u{1b}[31m\nrm"),
                })
                .collect(),
        };
        let t = ask.text(Language::En);
        assert!(t.body.contains("… and 15 more"), "{}", t.body);
        assert!(!t.body.contains('\u{1b}'));
        assert!(t.body.contains("cmd 0\\u{1b}[31m\\u{a}rm"), "{}", t.body);
        assert!(!ask.text_complete(Language::En).body.contains("more"));
        assert_eq!(t.body.matches("• ").count(), MAX_LISTED);
        assert!(ask.text(Language::Ko).body.contains("… 외 15개"));
    }

    #[test]
    fn a_fleet_change_too_long_for_a_dialog_is_not_asked_there() {
        let item = |i: usize| Risk::JumpHost {
            endpoint: format!("e{i}"),
            jump: "gw".into(),
            jump_host: "10.0.0.1".into(),
        };
        let few = Ask::FleetChange {
            source: "f.toml".into(),
            items: (0..MAX_LISTED).map(item).collect(),
        };
        assert!(few.fits_a_dialog());
        let many = Ask::FleetChange {
            source: "f.toml".into(),
            items: (0..=MAX_LISTED).map(item).collect(),
        };
        assert!(!many.fits_a_dialog());
        assert!(many
            .too_long(Language::En)
            .contains("fieldline fleet import"));
        assert!(many.too_long(Language::Ko).contains("26개"));
        assert!(fanout().fits_a_dialog(), "a fan-out's host list may be cut");
    }

    #[test]
    fn the_terminal_approves_only_yes_and_refuses_without_a_terminal() {
        let t = Terminal {
            yes: false,
            lang: Language::En,
        };
        let mut out = Vec::new();
        let d = t.ask_on(&fanout(), true, &mut &b"yes\n"[..], &mut out);
        assert_eq!(d, Decision::Approved);
        assert!(String::from_utf8_lossy(&out).contains("14 hosts of 3 customers"));
        let d = t.ask_on(&fanout(), true, &mut &b"y\n"[..], &mut Vec::new());
        assert_eq!(d, Decision::Declined);
        let d = t.ask_on(&fanout(), false, &mut &b"yes\n"[..], &mut Vec::new());
        match d {
            Decision::Unasked(why) => assert!(why.contains("--yes"), "{why}"),
            other => panic!("{other:?}"),
        }
        let yes = Terminal {
            yes: true,
            lang: Language::Ko,
        };
        assert!(yes
            .ask_on(&fanout(), false, &mut &b""[..], &mut Vec::new())
            .approved());
        assert!(
            matches!(Decision::Declined.require(Language::Ko), Err(why) if why.contains("승인"))
        );
    }

    #[test]
    fn every_question_has_a_title_naming_fieldline_in_both_languages() {
        let asks = [
            fanout(),
            Ask::AcceptHostKey {
                endpoint: "db".into(),
                hop: "jump1".into(),
                host: "10.0.0.1".into(),
                port: 22,
                key_type: "ssh-ed25519".into(),
                fingerprint: "SHA256:abc".into(),
            },
            Ask::OpenSession {
                endpoint: "db".into(),
                customer: "acme".into(),
                user: "root".into(),
                via: vec!["gw".into()],
            },
            Ask::ForgetHostKey {
                hosts: "[127.0.0.1]:2222".into(),
                key_type: "ssh-ed25519".into(),
                fingerprint: "SHA256:abc".into(),
            },
            Ask::OpenForward {
                endpoint: "db".into(),
                customer: "acme".into(),
                local_port: 0,
                remote: "10.0.0.5:3389".into(),
            },
            Ask::ImportKnownHosts {
                file: "~/.ssh/known_hosts".into(),
                keys: 12,
            },
            Ask::FleetChange {
                source: "f.toml".into(),
                items: vec![Risk::JumpHost {
                    endpoint: "db".into(),
                    jump: "gw".into(),
                    jump_host: "10.0.0.1".into(),
                }],
            },
            Ask::Restore {
                backup: "/media/usb/fieldline-backup-1".into(),
                data_dir: "/home/t/.local/share/fieldline".into(),
                made: Some(BackupMade {
                    created: "2026-12-01T09:00:00Z".into(),
                    fieldline: "0.1.0".into(),
                    schema: 9,
                    holds: vec![(Held::Customers, 3), (Held::Tickets, 40)],
                    files: vec!["fieldline.db".into()],
                }),
                restarts: true,
            },
            Ask::Restore {
                backup: "/tmp/fieldline.db".into(),
                data_dir: "/d".into(),
                made: None,
                restarts: false,
            },
        ];
        for ask in &asks {
            for lang in [Language::En, Language::Ko] {
                let t = ask.text(lang);
                assert!(t.title.starts_with("Fieldline: "), "{t:?}");
                assert!(!t.body.is_empty());
            }
        }
    }
}
