#![doc = include_str!("../README.md")]

pub mod check;
pub mod config;
pub mod daemon;
pub mod members;
pub mod metrics;
pub mod readings;
pub mod register;
pub mod relay;
pub mod status;
