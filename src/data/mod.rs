//! Datasets: loaders, sources, splits (issue 3).
