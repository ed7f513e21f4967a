//! Pure formatters of analysts' downloads: models in, text out. The licence header every CSV
//! starts with lives here.

pub mod csv;
