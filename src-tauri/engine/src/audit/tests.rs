use super::*;

fn entry(action: &str, vm: &str, result: Result<()>) -> AuditEntry {
    AuditEntry::new(action).account("acct-1").vm(vm).outcome(&result)
}

#[test]
fn records_newest_first_with_the_error_code_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path());
    log.record(&entry("stop", "vm-1", Ok(()))).unwrap();
    log.record(&entry(
        "delete",
        "vm-2",
        Err(AppError::new(ErrorCode::PermissionDenied, "token abc123 refused")),
    ))
    .unwrap();
    let read = log.read().unwrap();
    assert_eq!(read.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["delete", "stop"]);
    assert_eq!(read[0].error_code, Some(ErrorCode::PermissionDenied));
    assert!(!read[0].ok && read[1].ok);
    // The failure's message (which may quote anything) is not kept.
    let text = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(!text.contains("abc123"));
    assert!(text.contains("\"error_code\":\"permission_denied\""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("audit.jsonl")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn rotates_past_its_size_and_keeps_a_bounded_number_of_files() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::with_limits(dir.path(), 400, 2);
    for i in 0..100 {
        log.record(&entry("start", &format!("vm-{i}"), Ok(()))).unwrap();
    }
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    let total: u64 = files.iter().map(|f| std::fs::metadata(dir.path().join(f)).unwrap().len()).sum();
    // Each file ends at most one line (~120 bytes) past the limit.
    assert!(total < 3 * (400 + 150), "bounded: {total} bytes");
    let read = log.read().unwrap();
    // The newest are kept, in order.
    assert_eq!(read[0].vm_id.as_deref(), Some("vm-99"));
    let ids: Vec<u32> = read.iter().map(|e| e.vm_id.as_ref().unwrap()[3..].parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1] + 1), "{ids:?}");
}

#[test]
fn a_line_cut_by_a_crash_is_skipped_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::new(dir.path());
    log.record(&entry("stop", "vm-1", Ok(()))).unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"at_ms\":17,\"action\":\"sto");
    std::fs::write(&path, text).unwrap();
    assert_eq!(log.read().unwrap().len(), 1);
    // The next entry is not glued to the cut line.
    log.record(&entry("start", "vm-1", Ok(()))).unwrap();
    assert_eq!(log.read().unwrap().iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["start", "stop"]);
}
