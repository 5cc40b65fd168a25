//! The writer read back by this module's own reader: what a file holds, a file cut by a kill, a
//! corrupt one, and a resume.

#[path = "tensorboard_common/mod.rs"]
mod common;

use common::{PNG, cut_last_record, fresh_dir, only_file};
use hsic_infogan_run::tensorboard::{
    Data, Event, EventWriter, FILE_VERSION, Image, Value, What, event_files, read_events,
};

/// The (tag, step, value) of every scalar of `events`.
fn scalars(events: &[Event]) -> Vec<(String, i64, f32)> {
    let mut found = Vec::new();
    for event in events {
        if let What::Summary(values) = &event.what {
            for Value { tag, data } in values {
                if let Data::Scalar(v) = data {
                    found.push((tag.clone(), event.step, *v));
                }
            }
        }
    }
    found
}

/// Writes `loss` = step + `offset` for each of `steps`.
fn write_losses(writer: &mut EventWriter, steps: impl IntoIterator<Item = i64>, offset: f32) {
    for step in steps {
        writer.scalar("loss", step, step as f32 + offset).unwrap();
    }
    writer.flush().unwrap();
}

#[test]
fn a_file_holds_its_version_then_the_events_written() {
    let dir = fresh_dir("holds");
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    let mut writer = EventWriter::create(dir.join("tb")).unwrap();
    writer.scalar("loss/d", 1, 0.25).unwrap();
    writer.scalars(2, &[("loss/d", 0.5), ("loss/g", -1.0)]).unwrap();
    writer.image("samples", 2, &PNG, 3, 2, 1).unwrap();
    writer.text("config", 0, "**lambda** = 1\nσ = 2").unwrap();
    writer.flush().unwrap();

    let path = writer.path().to_path_buf();
    let name = path.file_name().unwrap().to_str().unwrap();
    let parts: Vec<&str> = name.strip_prefix("events.out.tfevents.").unwrap().split('.').collect();
    assert_eq!(parts[0].len(), 10, "{name}");
    assert_eq!(parts[parts.len() - 2], std::process::id().to_string(), "{name}");
    assert_eq!(event_files(&dir.join("tb")).unwrap(), vec![path.clone()]);

    let events = read_events(&path).unwrap();
    assert_eq!(events[0].what, What::FileVersion(FILE_VERSION.into()));
    assert!(events.iter().all(|e| e.wall_time >= before && e.wall_time < before + 60.0));
    let summaries: Vec<(i64, What)> = events[1..].iter().map(|e| (e.step, e.what.clone())).collect();
    let value = |tag: &str, data| Value { tag: tag.into(), data };
    let image = Image { width: 3, height: 2, channels: 1, png: PNG.to_vec() };
    assert_eq!(
        summaries,
        vec![
            (1, What::Summary(vec![value("loss/d", Data::Scalar(0.25))])),
            (2, What::Summary(vec![value("loss/d", Data::Scalar(0.5)), value("loss/g", Data::Scalar(-1.0))])),
            (2, What::Summary(vec![value("samples", Data::Image(image))])),
            (0, What::Summary(vec![value("config", Data::Text("**lambda** = 1\nσ = 2".into()))])),
        ]
    );

    let err = writer.image("samples", 3, &PNG, 3, 2, 5).unwrap_err().to_string();
    assert!(err.contains(name) && err.contains("5 channels"), "{err}");
}

#[test]
fn a_cut_record_ends_the_file_and_a_bad_crc_is_an_error_that_names_the_file() {
    let dir = fresh_dir("cut");
    let mut writer = EventWriter::create(&dir).unwrap();
    write_losses(&mut writer, 0..=7, 0.0);
    let path = writer.path().to_path_buf();
    drop(writer);
    cut_last_record(&path);
    let steps: Vec<i64> = scalars(&read_events(&path).unwrap()).iter().map(|s| s.1).collect();
    assert_eq!(steps, (0..=6).collect::<Vec<_>>());

    // Flip a bit in the data of step 3's record.
    let mut bytes = std::fs::read(&path).unwrap();
    let step3 = {
        let mut start = 0;
        for _ in 0..4 {
            start += 16 + u64::from_le_bytes(bytes[start..start + 8].try_into().unwrap()) as usize;
        }
        start
    };
    bytes[step3 + 14] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let err = read_events(&path).unwrap_err().to_string();
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(err.contains(name) && err.contains(&format!("record at byte {step3}")), "{err}");

    assert!(read_events(&dir.join("missing")).unwrap_err().to_string().contains("missing"));
    assert!(event_files(&dir.join("missing")).unwrap().is_empty());
}

#[test]
fn a_resume_keeps_the_steps_up_to_the_checkpoint_once_in_a_new_file() {
    let dir = fresh_dir("resume");
    let mut writer = EventWriter::create(&dir).unwrap();
    write_losses(&mut writer, 0..=7, 0.0);
    writer.image("samples", 4, &PNG, 3, 2, 1).unwrap();
    writer.image("samples", 6, &PNG, 3, 2, 1).unwrap();
    writer.flush().unwrap();
    let killed = writer.path().to_path_buf();
    drop(writer);
    cut_last_record(&killed);
    std::fs::write(dir.join("notes.txt"), "not an event file").unwrap();
    let started = read_events(&killed).unwrap()[0].wall_time;

    // Killed at step 7, resumed from the checkpoint of step 5.
    let mut writer = EventWriter::resume(&dir, 5).unwrap();
    write_losses(&mut writer, 6..=10, 100.0);
    let resumed = writer.path().to_path_buf();
    assert!(resumed.file_name() > killed.file_name(), "{resumed:?} should sort after {killed:?}");
    assert!(!killed.exists() && !dir.join("resume.tmp").exists() && dir.join("notes.txt").exists());
    assert_eq!(only_file(&dir), resumed);

    let events = read_events(&resumed).unwrap();
    assert_eq!(events[0], Event { wall_time: started, step: 0, what: What::FileVersion(FILE_VERSION.into()) });
    for start in &events[1..3] {
        assert_eq!((start.step, &start.what), (0, &What::SessionStart));
    }
    let expected = |restart: i64| -> Vec<(String, i64, f32)> {
        (0..=10).map(|s| ("loss".to_string(), s, s as f32 + if s > restart { 100.0 } else { 0.0 })).collect()
    };
    assert_eq!(scalars(&events), expected(5));
    let images: Vec<i64> = events
        .iter()
        .filter(|e| matches!(&e.what, What::Summary(v) if v[0].tag == "samples"))
        .map(|e| e.step)
        .collect();
    assert_eq!(images, vec![4]);

    // Killed again between the rename and the deletes of a second resume, from step 8: the old
    // file is back beside the new one, and a third resume, from step 9, reads them in order.
    drop(writer);
    let copy = dir.join("copy");
    std::fs::copy(&resumed, &copy).unwrap();
    let mut writer = EventWriter::resume(&dir, 8).unwrap();
    writer.scalar("loss", 9, 1000.0).unwrap();
    writer.flush().unwrap();
    std::fs::rename(&copy, &resumed).unwrap();
    assert_eq!(event_files(&dir).unwrap().len(), 2);
    drop(writer);
    let writer = EventWriter::resume(&dir, 9).unwrap();
    let mut expected = expected(5);
    expected.truncate(10);
    expected[9].2 = 1000.0;
    assert_eq!(scalars(&read_events(&only_file(&dir)).unwrap()), expected);
    assert_eq!(only_file(&dir), writer.path());
}

#[test]
fn a_resume_of_a_folder_without_event_files_starts_one() {
    let dir = fresh_dir("resume-empty").join("tb");
    let mut writer = EventWriter::resume(&dir, 5).unwrap();
    writer.scalar("loss", 6, 1.0).unwrap();
    writer.flush().unwrap();
    let whats: Vec<What> = read_events(writer.path()).unwrap().into_iter().map(|e| e.what).collect();
    assert_eq!(whats[..3], [What::FileVersion(FILE_VERSION.into()), What::SessionStart, What::SessionStart]);
    assert_eq!(whats.len(), 4);
}
