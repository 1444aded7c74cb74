//! The five published procedures as data: validation, every error kind, the checklist of
//! timescales, and the planner against due dates worked out by hand.

mod checklist;
mod plans;
mod semantics;
mod validation;
