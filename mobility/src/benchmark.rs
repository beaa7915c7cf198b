//! Opening a prepared benchmark folder, one split at a time.

use crate::diary::{Diary, DiaryTable};
use crate::person::{Person, PersonTable, Split};
use crate::zone::ZoneTable;
use crate::FormatError;
use std::path::{Path, PathBuf};

/// The two tasks of BENCHMARKS.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    /// Activities only (ATUS-2014).
    Activity,
    /// Activity and zone per slot (Santiago-2012).
    ActivityLocation,
}

/// A prepared benchmark folder: its task and zones. Splits are read on demand.
#[derive(Debug, Clone)]
pub struct Benchmark {
    pub name: String,
    pub dir: PathBuf,
    pub task: Task,
    /// Retained zones with centroids (location task), empty otherwise.
    pub zones: ZoneTable,
}

/// The people of one split and their real diaries, aligned by index.
#[derive(Debug, Clone)]
pub struct SplitData {
    pub split: Split,
    pub persons: PersonTable,
    pub diaries: Vec<Diary>,
}

impl Benchmark {
    /// Opens `<dir>` (a folder written by `orchestrator data prepare`).
    pub fn open(dir: &Path) -> Result<Benchmark, FormatError> {
        if !dir.join(Split::Train.name()).join("persons.csv").is_file() {
            return Err(FormatError::file(
                dir,
                "not a prepared benchmark (no train/persons.csv); run `orchestrator data prepare` first",
            ));
        }
        let zones_path = dir.join("zones.csv");
        let (task, zones) = if zones_path.is_file() {
            (Task::ActivityLocation, ZoneTable::read(&zones_path)?)
        } else {
            (Task::Activity, ZoneTable::new(Vec::new()))
        };
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Benchmark {
            name,
            dir: dir.to_path_buf(),
            task,
            zones,
        })
    }

    pub fn split_dir(&self, split: Split) -> PathBuf {
        self.dir.join(split.name())
    }

    /// Zones to pass to readers and writers: `Some` exactly for the location task.
    pub fn zones_for_io(&self) -> Option<&ZoneTable> {
        (self.task == Task::ActivityLocation).then_some(&self.zones)
    }

    /// Reads the persons of a split.
    pub fn persons(&self, split: Split) -> Result<PersonTable, FormatError> {
        PersonTable::read(
            &self.split_dir(split).join("persons.csv"),
            self.zones_for_io(),
        )
    }

    /// Reads the persons and real diaries of a split. Callers that must not see the test
    /// split (the evolution loop) never pass [`Split::Test`]; the orchestrator logs every
    /// test read.
    pub fn read_split(&self, split: Split) -> Result<SplitData, FormatError> {
        let persons = self.persons(split)?;
        let path = self.split_dir(split).join("diaries.csv");
        let mut zones = self.zones.clone();
        let table = DiaryTable::read(
            &path,
            (self.task == Task::ActivityLocation).then_some(&mut zones),
        )?;
        let ids: Vec<&str> = persons.persons.iter().map(|p| p.id.as_str()).collect();
        let diaries = table
            .aligned_to(&ids)
            .map_err(|m| FormatError::file(&path, m))?;
        Ok(SplitData {
            split,
            persons,
            diaries,
        })
    }
}

impl SplitData {
    pub fn people(&self) -> &[Person] {
        &self.persons.persons
    }
}
