//! Facts about the local machine that file handling needs.

/// The process's file mode creation mask (`umask`), read once from `/proc/self/status`
/// (Linux 4.7+); 0o022 where that cannot be read. Reading it this way needs no `unsafe`
/// and, unlike `umask(2)`, does not change it even for a moment.
#[cfg(unix)]
pub(crate) fn umask() -> u32 {
    static MASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *MASK.get_or_init(|| {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Umask:"))
                    .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
            })
            .unwrap_or(0o022)
            & 0o777
    })
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn umask_is_what_new_files_get() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("swiftclient-umask-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let f = dir.join("probe");
        let _ = std::fs::remove_file(&f);
        let made = std::fs::File::create(&f).and_then(|h| h.metadata());
        let mode = made.map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(mode, 0o666 & !super::umask());
    }
}
