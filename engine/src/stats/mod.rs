//! Market statistics: events × conditions × targets with Wilson, Bayes and FDR (issue 5).
