//! The pages: each an askama template (`src/web/templates/`, HTML-escaped by the engine) and the
//! view it is given. The views hold strings ready to show, worked out here from the
//! lifecycle's answers, so that the templates hold layout and nothing to get wrong.

use askama::Template;
use chrono::NaiveDate;

use super::identity::{Person, Role};
use crate::html::Table;

/// What every page's frame shows: who is signed in, and where they are.
pub struct Chrome {
    /// The signed-in person.
    pub person: Person,
    /// The menu item that is the current page (its address).
    pub current: &'static str,
    /// The program's version, in the footer.
    pub version: &'static str,
}

impl Chrome {
    /// The menu: address, label, and whether it is the current page. Opening a complaint is
    /// offered to those who may.
    pub fn nav(&self) -> Vec<(&'static str, &'static str, bool)> {
        let mut items = vec![("/", "Complaints")];
        if self.person.may(Role::Caseworker) {
            items.push(("/open", "Open a complaint"));
        }
        items.extend([
            ("/report", "Report"),
            ("/procedures", "Procedures"),
            ("/holidays", "Holidays"),
        ]);
        items
            .into_iter()
            .map(|(href, label)| (href, label, href == self.current))
            .collect()
    }
}

/// An option of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// An option whose value is `value`, selected when it is `chosen`.
    pub fn new(value: &str, label: &str, chosen: Option<&str>) -> Self {
        Choice {
            value: value.to_string(),
            label: label.to_string(),
            selected: chosen == Some(value),
        }
    }
}

/// What went wrong with a form, shown in the error summary and linked to the field.
pub struct FormError {
    /// The summary's heading: that nothing changed, for a command.
    pub title: &'static str,
    /// The id of the element at fault (a field, or the form).
    pub anchor: String,
    /// What is wrong, and what would be right.
    pub message: String,
}

/// One field of a form.
pub struct Field {
    pub name: &'static str,
    pub label: String,
    pub hint: String,
    /// The value to show (what was sent, when a form comes back with an error).
    pub value: String,
    /// A select's options; a text input without.
    pub choices: Vec<Choice>,
    /// A short input (a date).
    pub short: bool,
}

impl Field {
    /// A text input.
    pub fn text(name: &'static str, label: &str, hint: &str) -> Self {
        Field {
            name,
            label: label.into(),
            hint: hint.into(),
            value: String::new(),
            choices: Vec::new(),
            short: false,
        }
    }

    /// A date input (YYYY-MM-DD), today's date filled in when given.
    pub fn date(name: &'static str, label: &str, value: Option<NaiveDate>) -> Self {
        Field {
            value: value.map(|d| d.to_string()).unwrap_or_default(),
            short: true,
            ..Field::text(name, label, "For example, 2026-12-18")
        }
    }

    /// A select.
    pub fn select(name: &'static str, label: &str, choices: Vec<Choice>) -> Self {
        Field {
            choices,
            ..Field::text(name, label, "")
        }
    }
}

/// A form posted to `path`: one of a complaint's commands, or opening one.
pub struct Form {
    /// The command's name in its address (`events`, `close`), and the form's id.
    pub action: &'static str,
    pub path: String,
    pub title: String,
    pub button: &'static str,
    pub fields: Vec<Field>,
    /// The complaint's version the page showed: a change made since is refused, not
    /// overwritten.
    pub version: Option<i64>,
    /// Shown open (the one that came back with an error).
    pub open: bool,
}

impl Form {
    /// The form as it was sent, shown open: what was typed kept, what was chosen chosen.
    pub fn refill(&mut self, sent: &[(String, String)]) {
        self.open = true;
        for field in &mut self.fields {
            if let Some((_, v)) = sent.iter().find(|(k, _)| k == field.name) {
                field.value = v.clone();
                for c in &mut field.choices {
                    c.selected = c.value == *v;
                }
            }
        }
    }
}

/// The home page.
#[derive(Template)]
#[template(path = "home.html")]
pub struct Home {
    pub chrome: Chrome,
    pub as_of: String,
    pub week_end: String,
    pub overdue: i64,
    pub due_this_week: i64,
    pub by_owner: Vec<OwnerRow>,
    pub procedures: Vec<Choice>,
    pub owners: Vec<Choice>,
    /// Every complaint the filters match, as CSV.
    pub csv: String,
    pub due_within: String,
    pub overdue_only: bool,
    pub all: bool,
    pub rows: Vec<ListRow>,
    pub next: Option<String>,
    pub first: Option<String>,
}

/// One owner's count in one procedure.
pub struct OwnerRow {
    pub owner: String,
    pub procedure: String,
    pub link: String,
    pub overdue: i64,
    pub due_this_week: i64,
}

/// A complaint in the home page's list.
pub struct ListRow {
    pub reference: String,
    pub link: String,
    pub procedure: String,
    pub stage: String,
    pub next_what: String,
    pub next_due: String,
    pub rag: &'static str,
    pub rag_class: &'static str,
    pub left: String,
    pub overdue: usize,
}

/// A complaint's page.
#[derive(Template)]
#[template(path = "complaint.html")]
pub struct ComplaintPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub reference: String,
    pub procedure: String,
    pub summary: Vec<(&'static str, String)>,
    pub as_of: String,
    pub deadlines: Vec<DeadlineRow>,
    pub forms: Vec<Form>,
    /// The timeline, the reminders, the audit trail.
    pub tables: Vec<Table>,
    pub done: Option<String>,
    pub error: Option<FormError>,
}

/// A deadline on a complaint's page.
pub struct DeadlineRow {
    pub what: String,
    pub owner: String,
    pub due: String,
    pub rag: &'static str,
    pub rag_class: &'static str,
    pub status: String,
    pub explanation: String,
}

/// The page that opens a complaint.
#[derive(Template)]
#[template(path = "open.html")]
pub struct OpenPage {
    pub chrome: Chrome,
    pub csrf: String,
    pub f: Form,
    pub error: Option<FormError>,
}

/// The procedures.
#[derive(Template)]
#[template(path = "procedures.html")]
pub struct ProceduresPage {
    pub chrome: Chrome,
    /// Link, name, authority, calendar.
    pub procedures: Vec<(String, String, String, String)>,
}

/// One procedure, read-only, with the document's words.
#[derive(Template)]
#[template(path = "procedure.html")]
pub struct ProcedurePage {
    pub chrome: Chrome,
    pub name: String,
    pub authority: String,
    pub summary: Vec<(&'static str, String)>,
    /// Its timescales.
    pub tables: Vec<Table>,
}

/// The holidays and closures in use.
#[derive(Template)]
#[template(path = "holidays.html")]
pub struct HolidaysPage {
    pub chrome: Chrome,
    pub from: String,
    pub to: String,
    /// One a calendar.
    pub tables: Vec<Table>,
}

/// The compliance report.
#[derive(Template)]
#[template(path = "report.html")]
pub struct ReportPage {
    pub chrome: Chrome,
    pub from: String,
    pub to: String,
    pub procedures: Vec<Choice>,
    pub csv: String,
    pub intro: Option<String>,
    pub chart: Option<String>,
    pub tables: Vec<Table>,
    pub error: Option<FormError>,
}

/// A page saying what went wrong (not found, not allowed).
#[derive(Template)]
#[template(path = "problem.html")]
pub struct ProblemPage {
    pub chrome: Chrome,
    pub title: String,
    pub detail: String,
}

/// The page for someone not signed in: no menu, no name.
#[derive(Template)]
#[template(path = "refused.html")]
pub struct RefusedPage {
    pub title: String,
    pub detail: String,
}

/// A date as staff read it: `Friday 18 December 2026`.
pub fn long_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// A date in a table: `Fri 18 Dec 2026`.
pub fn short_date(d: NaiveDate) -> String {
    d.format("%a %-d %b %Y").to_string()
}

/// A colour's label and the GOV.UK tag class that shows it; empty for none.
pub fn rag(r: crate::lifecycle::Rag) -> (&'static str, &'static str) {
    use crate::lifecycle::Rag;
    match r {
        Rag::Red => ("Overdue", "govuk-tag--red"),
        Rag::Amber => ("Due soon", "govuk-tag--yellow"),
        Rag::Green => ("On track", "govuk-tag--green"),
        Rag::None => ("", ""),
    }
}
