//! The API keys: from `CRM_WRITE_KEYS` / `CRM_READ_KEYS`, and from a keys file
//! (`CRM_KEYS_FILE`) that is read again on SIGHUP, so keys are rotated without a restart:
//! add the new key, reload, move the tills over, remove the old one, reload.
//!
//! The file holds one key a line, `write <key>` or `read <key>`; blank lines and lines
//! starting with `#` are skipped. Keep it readable by the service's user only (`chmod 600`):
//! a key in it is a password.

use crate::config::ServeOptions;
use anyhow::Context;
use crm_api::AccessKeys;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The keys `options` name: the variables' and the file's together.
pub fn load(options: &ServeOptions) -> anyhow::Result<AccessKeys> {
    let (mut write, mut read) = (options.write_keys.clone(), options.read_keys.clone());
    if let Some(path) = &options.keys_file {
        let (file_write, file_read) = read_file(path)?;
        write.extend(file_write);
        read.extend(file_read);
    }
    AccessKeys::new(write, read).with_context(|| match &options.keys_file {
        Some(path) => format!("checking the keys of CRM_WRITE_KEYS, CRM_READ_KEYS and {}", path.display()),
        None => "checking the keys of CRM_WRITE_KEYS and CRM_READ_KEYS".to_owned(),
    })
}

/// The write and read keys of a keys file.
fn read_file(path: &Path) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the keys file {}", path.display()))?;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        log::warn!("the keys file {} is readable by other users; chmod 600 it", path.display());
    }
    parse(&text).with_context(|| format!("reading the keys file {}", path.display()))
}

/// A line of a keys file that is neither `write <key>` nor `read <key>` (its number, from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BadLine(usize);

impl std::fmt::Display for BadLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: expected `write <key>` or `read <key>`", self.0)
    }
}

impl std::error::Error for BadLine {}

/// Reads `write <key>` and `read <key>` lines.
fn parse(text: &str) -> Result<(Vec<String>, Vec<String>), BadLine> {
    let (mut write, mut read) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once(char::is_whitespace) {
            Some(("write", key)) => write.push(key.trim().to_owned()),
            Some(("read", key)) => read.push(key.trim().to_owned()),
            _ => return Err(BadLine(i + 1)),
        }
    }
    Ok((write, read))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keys_file_names_each_key_s_role_and_nothing_else() {
        let text = "# tills\nwrite till-7f3a9c2e41d8b6f0\n\nread  dashboard-2b8e1d47c9a3f560\n";
        assert_eq!(
            parse(text),
            Ok((vec!["till-7f3a9c2e41d8b6f0".to_owned()], vec!["dashboard-2b8e1d47c9a3f560".to_owned()]))
        );
        assert_eq!(parse("till-7f3a9c2e41d8b6f0\n"), Err(BadLine(1)));
        assert_eq!(
            parse("# keys\nadmin x\n").unwrap_err().to_string(),
            "line 2: expected `write <key>` or `read <key>`"
        );
    }
}
