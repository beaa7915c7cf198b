//! The one-nearest-neighbour copy: the diary of the train person nearest in the
//! [`FeatureSpace`] (every feature column; categorical one-hot, numeric standardised on
//! train; squared Euclidean distance), among the target's segment when that segment has
//! any train person, else among everyone; equal distances go to the smallest person id.
//! Seed-free.
//!
//! Location task: every slot whose zone is the donor's home zone moves to the target's
//! home zone (Home, and any other activity the donor did at home); Travel stays at `T`;
//! every other zone is kept.

use crate::feature_space::FeatureSpace;
use mobility::{Diary, Loc, Person, SplitData};

#[derive(Debug, Clone)]
pub(crate) struct Nearest1Model {
    space: FeatureSpace,
    diaries: Vec<Diary>,
    homes: Vec<Option<Loc>>,
    location_task: bool,
}

impl Nearest1Model {
    pub fn fit(train: &SplitData, location_task: bool) -> Nearest1Model {
        Nearest1Model {
            space: FeatureSpace::fit(train),
            diaries: train.diaries.clone(),
            homes: train.people().iter().map(|p| p.home_zone).collect(),
            location_task,
        }
    }

    pub fn generate(&self, person: &Person) -> Diary {
        let Some(donor) = self.space.nearest_one(person) else {
            return Diary::all_home(
                self.location_task
                    .then(|| person.home_zone.unwrap_or(Loc(1))),
            );
        };
        let mut diary = self.diaries[donor];
        if let (Some(locations), Some(from), Some(to)) = (
            diary.locations.as_mut(),
            self.homes[donor],
            person.home_zone,
        ) {
            for loc in locations.iter_mut() {
                if *loc == from {
                    *loc = to;
                }
            }
        }
        diary
    }
}
