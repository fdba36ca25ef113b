//! Script logs read from the Qlik Sense log folder on disk (`[paths] logs`), for apps whose
//! last reload QRS does not give a log for (no reload task, logs archived, a node without
//! the QRS log endpoints). Qlik Sense writes `Log\Script\<app id>.<timestamp>.log` per reload,
//! the timestamp `YYYYMMDDTHHMMSS.fff+zzzz`, so the newest sorts last by name.

use std::path::Path;

/// The newest script log of `app_id` under `folder` or its `Script` subfolder, decoded (UTF-8
/// or UTF-16 with BOM, as the engine wrote it).
pub fn newest(folder: &Path, app_id: &str) -> Option<String> {
    let prefix = format!("{}.", app_id.to_ascii_lowercase());
    let mut best: Option<(String, std::path::PathBuf)> = None;
    for dir in [folder.join("Script"), folder.to_path_buf()] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
            if name.starts_with(&prefix)
                && name.ends_with(".log")
                && entry.file_type().is_ok_and(|t| t.is_file())
                && best.as_ref().is_none_or(|(b, _)| name > *b)
            {
                best = Some((name, entry.path()));
            }
        }
        if best.is_some() {
            break;
        }
    }
    let (_, path) = best?;
    let bytes = std::fs::read(&path).ok()?;
    Some(crate::source::SourceFile::decode(path.display().to_string(), &bytes).text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_log_of_the_app_in_the_script_folder() {
        let dir = std::env::temp_dir().join(format!("qlineage-disk-log-{}", std::process::id()));
        let script = dir.join("Script");
        std::fs::create_dir_all(&script).unwrap();
        let app = "6D8A2C5B-0000-4000-8000-000000000001";
        std::fs::write(
            script.join(format!("{app}.20250101T010000.000+0100.log")),
            "old",
        )
        .unwrap();
        std::fs::write(
            script.join(format!("{app}.20250301T010000.000+0100.log")),
            "new",
        )
        .unwrap();
        std::fs::write(script.join("other.20260101T010000.000+0100.log"), "x").unwrap();
        // UTF-16LE with BOM, as QlikView and some Sense versions write.
        let other = "7e000000-0000-4000-8000-000000000002";
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(
                "Execution started."
                    .encode_utf16()
                    .flat_map(|u| u.to_le_bytes()),
            )
            .collect();
        std::fs::write(
            dir.join(format!("{other}.20250101T010000.000+0100.log")),
            utf16,
        )
        .unwrap();
        assert_eq!(newest(&dir, app).as_deref(), Some("new"));
        assert_eq!(newest(&dir, other).as_deref(), Some("Execution started."));
        assert_eq!(newest(&dir, "absent"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
