//! Persons: the features known before the day, and the segment they fall in.

use crate::csv::{CsvFile, CsvStream};
use crate::zone::{Loc, ZoneTable};
use crate::FormatError;
use std::collections::HashMap;
use std::path::Path;

/// Which part of the data a person belongs to (decided by the hash of the split id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    Train,
    Val,
    Test,
}

impl Split {
    pub const ALL: [Split; 3] = [Split::Train, Split::Val, Split::Test];

    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
            Split::Test => "test",
        }
    }

    pub fn parse(s: &str) -> Option<Split> {
        Split::ALL.into_iter().find(|x| x.name() == s)
    }
}

/// Employment group of the segment definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    Employed,
    Student,
    Other,
}

impl Group {
    pub const ALL: [Group; 3] = [Group::Employed, Group::Student, Group::Other];

    pub fn name(self) -> &'static str {
        match self {
            Group::Employed => "employed",
            Group::Student => "student",
            Group::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|x| x.name() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DayType {
    Weekday,
    Weekend,
}

impl DayType {
    pub const ALL: [DayType; 2] = [DayType::Weekday, DayType::Weekend];

    pub fn name(self) -> &'static str {
        match self {
            DayType::Weekday => "weekday",
            DayType::Weekend => "weekend",
        }
    }

    pub fn parse(s: &str) -> Option<DayType> {
        DayType::ALL.into_iter().find(|x| x.name() == s)
    }
}

/// Employment group × day type: the six segments of the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Segment {
    pub group: Group,
    pub day_type: DayType,
}

impl Segment {
    pub const COUNT: usize = 6;

    pub fn all() -> impl Iterator<Item = Segment> {
        Group::ALL.into_iter().flat_map(|group| {
            DayType::ALL
                .into_iter()
                .map(move |day_type| Segment { group, day_type })
        })
    }

    /// Dense index in `0..Segment::COUNT`.
    pub fn index(self) -> usize {
        self.group as usize * 2 + self.day_type as usize
    }

    pub fn from_index(i: usize) -> Segment {
        Segment {
            group: Group::ALL[i / 2],
            day_type: DayType::ALL[i % 2],
        }
    }

    pub fn name(self) -> String {
        format!("{}|{}", self.group.name(), self.day_type.name())
    }
}

/// One person: ids, segment, home zone (location task) and the raw feature values, in
/// the order of [`PersonTable::feature_names`].
#[derive(Debug, Clone)]
pub struct Person {
    pub id: String,
    pub household_id: String,
    pub group: Group,
    pub day_type: DayType,
    pub home_zone: Option<Loc>,
    pub features: Vec<String>,
}

impl Person {
    pub fn segment(&self) -> Segment {
        Segment {
            group: self.group,
            day_type: self.day_type,
        }
    }
}

/// The columns every persons file has, in this order, before the features.
pub const FIXED_PERSON_COLUMNS: [&str; 5] = [
    "person_id",
    "household_id",
    "group",
    "day_type",
    "home_zone",
];

/// A persons file: people in file order, and the names of their feature columns.
#[derive(Debug, Clone, Default)]
pub struct PersonTable {
    pub feature_names: Vec<String>,
    pub persons: Vec<Person>,
}

impl PersonTable {
    /// Reads a persons file. `household_id` and `home_zone` may be absent; `home_zone` is
    /// required (and must be a retained zone) when `zones` is given (location task).
    pub fn read(path: &Path, zones: Option<&ZoneTable>) -> Result<PersonTable, FormatError> {
        let file = CsvFile::open(path)?;
        let columns = PersonColumns::resolve(path, &file.header, zones)?;
        let mut table = PersonTable {
            feature_names: columns.feature_names(&file.header),
            persons: Vec::new(),
        };
        let mut seen: HashMap<String, usize> = HashMap::new();
        for record in file.records() {
            let r = record?;
            table
                .persons
                .push(columns.person(path, r.line, &r.fields, zones, &mut seen)?);
        }
        Ok(table)
    }

    /// Reads a persons file in tables of at most `chunk_size` people (file order), holding
    /// one chunk in memory at a time: the streaming form of [`PersonTable::read`], with the
    /// same checks and the same errors (file, line, field), except that duplicate ids are
    /// detected within a chunk only. Header errors are returned at once; a record error
    /// ends the iteration.
    pub fn read_chunks<'z>(
        path: &Path,
        zones: Option<&'z ZoneTable>,
        chunk_size: usize,
    ) -> Result<PersonChunks<'z>, FormatError> {
        PersonTable::chunks_of(CsvStream::open(path)?, zones, chunk_size)
    }

    /// [`PersonTable::read_chunks`] of part `index` of `count` of the file: the people on
    /// the lines whose first byte lies in the `index`-th of `count` equal byte ranges of
    /// the file after its header. Reading parts 0, 1, …, count−1 in order gives every
    /// person once, in file order, as the whole file does (so outputs written part by part
    /// concatenate to the whole); a part parses only its own lines. Errors name the line
    /// in the whole file.
    pub fn read_chunks_part<'z>(
        path: &Path,
        zones: Option<&'z ZoneTable>,
        chunk_size: usize,
        index: u64,
        count: u64,
    ) -> Result<PersonChunks<'z>, FormatError> {
        PersonTable::chunks_of(CsvStream::open_part(path, index, count)?, zones, chunk_size)
    }

    fn chunks_of(
        stream: CsvStream,
        zones: Option<&ZoneTable>,
        chunk_size: usize,
    ) -> Result<PersonChunks<'_>, FormatError> {
        let path = stream.path.clone();
        let path = path.as_path();
        let columns = PersonColumns::resolve(path, &stream.header, zones)?;
        Ok(PersonChunks {
            feature_names: columns.feature_names(&stream.header),
            columns,
            stream,
            zones,
            chunk_size: chunk_size.max(1),
            done: false,
        })
    }

    /// Writes the table in the format [`PersonTable::read`] reads.
    pub fn write(&self, path: &Path, zones: Option<&ZoneTable>) -> std::io::Result<()> {
        let mut out = FIXED_PERSON_COLUMNS.join(",");
        for name in &self.feature_names {
            out.push(',');
            out.push_str(name);
        }
        out.push('\n');
        for p in &self.persons {
            let home = match (zones, p.home_zone) {
                (Some(z), Some(loc)) => z.code(loc),
                _ => "",
            };
            out.push_str(&format!(
                "{},{},{},{},{}",
                p.id,
                p.household_id,
                p.group.name(),
                p.day_type.name(),
                home
            ));
            for f in &p.features {
                out.push(',');
                out.push_str(f);
            }
            out.push('\n');
        }
        std::fs::write(path, out)
    }

    /// Index of a feature column by name.
    pub fn feature_index(&self, name: &str) -> Option<usize> {
        self.feature_names.iter().position(|n| n == name)
    }
}

/// The chunks of a persons file, from [`PersonTable::read_chunks`].
pub struct PersonChunks<'z> {
    feature_names: Vec<String>,
    columns: PersonColumns,
    stream: CsvStream,
    zones: Option<&'z ZoneTable>,
    chunk_size: usize,
    done: bool,
}

impl PersonChunks<'_> {
    /// The feature columns, as every chunk's [`PersonTable::feature_names`].
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }
}

impl Iterator for PersonChunks<'_> {
    type Item = Result<PersonTable, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut table = PersonTable {
            feature_names: self.feature_names.clone(),
            persons: Vec::with_capacity(self.chunk_size.min(1 << 16)),
        };
        let mut seen: HashMap<String, usize> = HashMap::new();
        while table.persons.len() < self.chunk_size {
            let (line, fields) = match self.stream.next_record() {
                None => {
                    self.done = true;
                    break;
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Some(Ok(r)) => r,
            };
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            let path = self.stream.path.clone();
            match self
                .columns
                .person(&path, line, &fields, self.zones, &mut seen)
            {
                Ok(p) => table.persons.push(p),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        if table.persons.is_empty() {
            None
        } else {
            Some(Ok(table))
        }
    }
}

/// Where the columns of a persons file are.
struct PersonColumns {
    id: usize,
    household: Option<usize>,
    group: usize,
    day_type: usize,
    home: Option<usize>,
    features: Vec<usize>,
}

impl PersonColumns {
    fn resolve(
        path: &Path,
        header: &[String],
        zones: Option<&ZoneTable>,
    ) -> Result<PersonColumns, FormatError> {
        let optional = |name: &str| header.iter().position(|h| h == name);
        Ok(PersonColumns {
            id: crate::csv::column(path, header, "person_id")?,
            household: optional("household_id"),
            group: crate::csv::column(path, header, "group")?,
            day_type: crate::csv::column(path, header, "day_type")?,
            home: match zones {
                Some(_) => Some(crate::csv::column(path, header, "home_zone")?),
                None => optional("home_zone"),
            },
            features: (0..header.len())
                .filter(|i| !FIXED_PERSON_COLUMNS.contains(&header[*i].as_str()))
                .collect(),
        })
    }

    fn feature_names(&self, header: &[String]) -> Vec<String> {
        self.features.iter().map(|&i| header[i].clone()).collect()
    }

    /// The person of one record; `seen` maps ids met so far to their lines.
    fn person(
        &self,
        path: &Path,
        line: usize,
        fields: &[&str],
        zones: Option<&ZoneTable>,
        seen: &mut HashMap<String, usize>,
    ) -> Result<Person, FormatError> {
        let err = |field: &str, msg: String| FormatError::at(path, line, Some(field), msg);
        let person_id = fields[self.id];
        if person_id.is_empty() {
            return Err(err("person_id", "empty id".into()));
        }
        if let Some(first) = seen.insert(person_id.to_string(), line) {
            return Err(err(
                "person_id",
                format!("duplicate person `{person_id}` (first on line {first})"),
            ));
        }
        let home_zone = match (zones, self.home) {
            (Some(zones), Some(col)) => {
                let code = fields[col];
                match zones.lookup(code) {
                    Some(loc) if zones.is_retained(loc) => Some(loc),
                    _ => {
                        return Err(err(
                            "home_zone",
                            format!("`{code}` is not a zone of the benchmark"),
                        ))
                    }
                }
            }
            _ => None,
        };
        Ok(Person {
            id: person_id.to_string(),
            household_id: self
                .household
                .map(|c| fields[c].to_string())
                .unwrap_or_default(),
            group: Group::parse(fields[self.group]).ok_or_else(|| {
                err(
                    "group",
                    format!("`{}` is not employed, student or other", fields[self.group]),
                )
            })?,
            day_type: DayType::parse(fields[self.day_type]).ok_or_else(|| {
                err(
                    "day_type",
                    format!("`{}` is not weekday or weekend", fields[self.day_type]),
                )
            })?,
            home_zone,
            features: self
                .features
                .iter()
                .map(|&c| fields[c].to_string())
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("mobility-person-{}-{name}.csv", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn summary(t: &PersonTable) -> Vec<String> {
        t.persons
            .iter()
            .map(|p| {
                format!(
                    "{}|{}|{:?}|{:?}|{:?}",
                    p.id, p.household_id, p.group, p.day_type, p.features
                )
            })
            .collect()
    }

    #[test]
    fn chunks_read_the_same_people_as_the_whole_file() {
        let mut text =
            String::from("\u{feff}person_id,household_id,group,day_type,home_zone,age\n");
        for i in 0..23 {
            text.push_str(&format!("p{i},h{},employed,weekday,,{i}\r\n", i / 2));
            if i % 7 == 0 {
                text.push_str("   \n");
            }
        }
        let path = temp_file("chunks", text.as_bytes());
        let whole = PersonTable::read(&path, None).unwrap();
        for size in [1, 5, 23, 100] {
            let chunks: Vec<PersonTable> = PersonTable::read_chunks(&path, None, size)
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert_eq!(chunks.len(), 23usize.div_ceil(size), "size {size}");
            assert!(chunks
                .iter()
                .all(|c| c.feature_names == whole.feature_names));
            let joined: Vec<String> = chunks.iter().flat_map(summary).collect();
            assert_eq!(joined, summary(&whole), "size {size}");
        }
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn chunk_errors_name_file_line_and_field() {
        let path = temp_file(
            "bad",
            b"person_id,group,day_type\np1,employed,weekday\n\np2,boss,weekday\n",
        );
        let mut chunks = PersonTable::read_chunks(&path, None, 1).unwrap();
        assert_eq!(chunks.next().unwrap().unwrap().persons[0].id, "p1");
        let e = chunks.next().unwrap().unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (4, Some("group")), "{e}");
        assert!(chunks.next().is_none());
        let whole = PersonTable::read(&path, None).unwrap_err();
        assert_eq!(whole, e);

        let path2 = temp_file(
            "utf8",
            b"person_id,group,day_type\np1,employed,weekday\np\xff,other,weekend\n",
        );
        let e = PersonTable::read_chunks(&path2, None, 10)
            .unwrap()
            .find_map(Result::err)
            .unwrap();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("UTF-8"), "{e}");

        let path3 = temp_file("header", b"person_id,day_type\n");
        let e = PersonTable::read_chunks(&path3, None, 10).err().unwrap();
        assert_eq!((e.line, e.field.as_deref()), (1, Some("group")), "{e}");
        for p in [path, path2, path3] {
            std::fs::remove_file(p).unwrap();
        }
    }

    #[test]
    fn parts_in_order_read_every_person_once_in_file_order() {
        // Lines of unequal length, a BOM, CRLF, blank lines and no final line break: every
        // way a part boundary can fall inside a line or on a line break.
        let mut text =
            String::from("\u{feff}person_id,household_id,group,day_type,home_zone,age\n");
        for i in 0..37 {
            let pad = "x".repeat(i % 11);
            text.push_str(&format!("p{i},h{pad},student,weekend,,{i}\r\n"));
            if i % 5 == 0 {
                text.push('\n');
            }
        }
        text.push_str("last,h,other,weekday,,99");
        let path = temp_file("parts", text.as_bytes());
        let whole = summary(&PersonTable::read(&path, None).unwrap());
        assert_eq!(whole.len(), 38);
        for count in [1u64, 2, 3, 7, 38, 200] {
            let mut joined = Vec::new();
            for index in 0..count {
                for chunk in PersonTable::read_chunks_part(&path, None, 4, index, count).unwrap() {
                    joined.extend(summary(&chunk.unwrap()));
                }
            }
            assert_eq!(joined, whole, "{count} parts");
        }
        let e = PersonTable::read_chunks_part(&path, None, 4, 3, 3)
            .err()
            .unwrap();
        assert!(e.message.contains("part 3 of 3"), "{e}");
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn part_errors_name_the_line_in_the_whole_file() {
        let mut text = String::from("person_id,group,day_type\n");
        for i in 0..50 {
            text.push_str(&format!("p{i},employed,weekday\n"));
        }
        text.push_str("p50,boss,weekday\n");
        let path = temp_file("part-error", text.as_bytes());
        let e = (0..4)
            .flat_map(|index| PersonTable::read_chunks_part(&path, None, 8, index, 4).unwrap())
            .find_map(Result::err)
            .unwrap();
        assert_eq!((e.line, e.field.as_deref()), (52, Some("group")), "{e}");
        std::fs::remove_file(path).unwrap();
    }
}
