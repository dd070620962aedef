//! A text label per bar (sessions), stored as one code per bar into a list of distinct names: a year of 1-minute
//! bars holds half a million labels but a handful of names.

/// One label per bar: `names[codes[i]]` is bar `i`'s label. Names are distinct; their order carries no meaning.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Labels {
    pub names: Vec<String>,
    pub codes: Vec<u32>,
}

impl Labels {
    /// Number of labels (bars).
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True when there is no label.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The label of bar `i`.
    pub fn get(&self, i: usize) -> &str {
        &self.names[self.codes[i] as usize]
    }

    /// Every label in bar order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.codes.iter().map(|&c| self.names[c as usize].as_str())
    }

    /// The code of `name`, added to the names when new.
    pub fn intern(&mut self, name: &str) -> u32 {
        super::table::intern_name(&mut self.names, name)
    }

    /// Appends a label.
    pub fn push(&mut self, name: &str) {
        let code = match self.codes.last() {
            Some(&c) if self.names[c as usize] == name => c,
            _ => self.intern(name),
        };
        self.codes.push(code);
    }

    /// The labels of the bars at `rows`, in that order (the names are shared, not filtered).
    pub fn gather(&self, rows: impl IntoIterator<Item = usize>) -> Labels {
        Labels {
            names: self.names.clone(),
            codes: rows.into_iter().map(|r| self.codes[r]).collect(),
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for Labels {
    fn from_iter<I: IntoIterator<Item = S>>(items: I) -> Self {
        let mut labels = Labels::default();
        let mut index = super::table::NameIndex::default();
        for s in items {
            let name = s.as_ref();
            let code = match labels.codes.last() {
                Some(&c) if labels.names[c as usize] == name => c,
                _ => index.intern(&mut labels.names, name),
            };
            labels.codes.push(code);
        }
        labels
    }
}

/// Equal when every bar has the same label text, however the names are ordered.
impl PartialEq for Labels {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_intern_names_and_compare_by_text() {
        let a: Labels = ["US", "US", "EU", ""].into_iter().collect();
        assert_eq!((a.names.len(), a.codes.as_slice()), (3, &[0, 0, 1, 2][..]));
        assert_eq!(a.iter().collect::<Vec<_>>(), ["US", "US", "EU", ""]);
        let b = Labels {
            names: vec!["EU".into(), "".into(), "US".into(), "Asia".into()],
            codes: vec![2, 2, 0, 1],
        };
        assert_eq!(a, b);
        assert_ne!(a, b.gather([0, 1, 2]));
        assert_eq!(b.gather([2, 0]).iter().collect::<Vec<_>>(), ["EU", "US"]);
    }
}
