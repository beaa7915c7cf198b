//! Importers that turn survey files (episode or trip tables plus a person table) into prepared benchmarks, configured by copyable TOML files.
