//! The keychain against Windows' own Credential Manager (in CI: as Wine provides it, under
//! the Windows leg of scripts/test.sh). Linux's Secret Service has its own test
//! (tests/keychain.rs, with a real GNOME Keyring); macOS's Keychain needs a Mac.
//!
//! An RSA-4096 private key in OpenSSH format is about 3.4 KB, over the Credential Manager's
//! 2,560-byte limit for one credential: it is kept split across entries, read back whole,
//! and deleted with all its parts.
#![cfg(target_os = "windows")]

use fieldline_keychain::{Keychain, SecretStore};

/// A stand-in for an RSA-4096 key file: its size and line shape, generated filler (no key,
/// no PEM armour).
fn big_key() -> String {
    let mut key = String::from("fieldline test secret\n");
    for line in 0..48 {
        let row: String = (0..70)
            .map(|i| char::from(b'A' + ((line * 7 + i) % 26) as u8))
            .collect();
        key.push_str(&row);
        key.push('\n');
    }
    key.push_str("end of the test secret\n");
    key
}

/// One test, so its keychain calls run one after another: in a new Wine prefix, two
/// threads writing their first credentials at once got a value back that Wine could not
/// decode (seen with Wine 8; sequential calls are fine). Windows itself is not known to
/// need this.
#[test]
fn secrets_small_and_over_the_size_limit_round_trip_and_are_deleted_whole() {
    let keychain = Keychain::new(format!("fieldline-test-{}", std::process::id()));

    let account = "connection:rt";
    keychain.set(account, "token-1").expect("store");
    assert_eq!(
        keychain.get(account).expect("read").as_deref(),
        Some("token-1")
    );
    keychain.delete(account).expect("delete");
    assert_eq!(keychain.get(account).expect("read"), None);

    let account = "ssh-profile:rsa4096";
    let key = big_key();
    assert!(key.len() > 2560, "{} bytes", key.len());
    keychain.set(account, &key).expect("store the key");
    assert_eq!(
        keychain.get(account).expect("read").as_deref(),
        Some(key.as_str())
    );

    // Replaced by a small secret: one plain entry again, the old parts gone.
    keychain.set(account, "short").expect("replace");
    assert_eq!(
        keychain.get(account).expect("read").as_deref(),
        Some("short")
    );
    assert_eq!(keychain.get(&format!("{account}#1")).expect("read"), None);

    keychain.set(account, &key).expect("store again");
    keychain.delete(account).expect("delete");
    assert_eq!(keychain.get(account).expect("read"), None);
    for part in 1..4 {
        assert_eq!(
            keychain
                .get(&format!("{account}#{part}"))
                .expect("read a part"),
            None,
            "part {part} was left behind"
        );
    }
}
