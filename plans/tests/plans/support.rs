//! The shared ground: a prepared benchmark, its generator state and validation people,
//! the slots a format's rows are checked against, and small CSV helpers.

use mobility::{Benchmark, Diary, DiaryTable, Person, Split};
use plans::{Format, Generation};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const SEED: u64 = 11;

/// A temporary folder, removed when the test passes.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "plans-test-{}-{tag}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A real benchmark, prepared from the shared data with its built-in config.
pub struct Real {
    _dir: TempDir,
    pub bench: Benchmark,
    pub state: heuristics::GeneratorState,
    /// The validation people, features in the generator's layout.
    pub persons: Vec<Person>,
}

pub fn real(name: &str) -> Real {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    assert!(
        data.is_dir(),
        "the real survey data folder {} is missing: these tests read both benchmarks from it",
        data.display()
    );
    let (_, config) = survey::builtin_configs()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no built-in survey config {name}"));
    let dir = TempDir::new(name);
    survey::prepare(&config, &data, &dir.0).unwrap_or_else(|e| panic!("preparing {name}: {e}"));
    let bench = Benchmark::open(&dir.0.join(name)).unwrap();
    let train = bench.read_split(Split::Train).unwrap();
    let state = heuristics::GeneratorState::build(&bench, &train);
    let persons =
        heuristics::population::align_features(&state, &bench.persons(Split::Val).unwrap());
    Real {
        _dir: dir,
        bench,
        state,
        persons,
    }
}

impl Real {
    pub fn generation(&self, format: Format) -> Generation<'_> {
        Generation::new(&self.bench, &self.state, format, SEED, 2, "bike").unwrap()
    }

    /// The whole validation population in `format`, header to footer.
    pub fn write(&self, format: Format) -> Vec<u8> {
        let g = self.generation(format);
        let mut out = g.header();
        g.write_part(&self.persons, &[], &mut out, None).unwrap();
        out.extend(g.footer());
        out
    }

    /// The slots the other formats are made from, in people's order.
    pub fn slots(&self) -> Vec<Diary> {
        let bytes = self.write(Format::Slots);
        let dir = TempDir::new("slots");
        let path = dir.0.join("slots.csv");
        std::fs::write(&path, bytes).unwrap();
        let mut zones = self.bench.zones.clone();
        let table = DiaryTable::read(&path, self.bench.zones_for_io().map(|_| &mut zones)).unwrap();
        let ids: Vec<&str> = self.persons.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(table.person_ids, ids);
        table.diaries
    }
}

/// The rows of a CSV text as header-keyed records.
pub fn rows(bytes: &[u8]) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader.records().map(Result::unwrap).collect();
    (header, rows)
}
