//! Reports: tables, figures, claims (issue 5).
