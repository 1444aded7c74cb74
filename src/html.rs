//! The small HTML documents the program writes for people (a subject access export, the
//! compliance report): one self-contained page each, no script, no external file, every value
//! escaped. Plain strings rather than a template engine: two pages of tables do not need one.

/// `s` for HTML text and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's start: its title as the heading, then `intro` (plain text) as a paragraph.
pub fn start(title: &str, intro: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>body{{font-family:sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse;margin:1em 0 2em;width:100%}}\
         caption{{text-align:left;font-weight:bold;font-size:1.2em;margin-bottom:.5em}}th,td{{border:1px solid #888;padding:.3em .5em;text-align:left;vertical-align:top}}</style>\n\
         </head>\n<body>\n<h1>{}</h1>\n<p>{}</p>\n",
        esc(title),
        esc(title),
        esc(intro)
    )
}

/// A table as the pages show it: an optional heading before it, its caption, headings, cells,
/// and what to say when it has no row. The report's tables and the staff pages' are all of this
/// shape, whichever face renders them.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// A section heading that comes before the table.
    pub heading: Option<String>,
    /// What the table shows.
    pub caption: String,
    /// The column headings.
    pub head: Vec<&'static str>,
    /// The cells, row by row.
    pub rows: Vec<Vec<String>>,
    /// Said in place of the rows when there are none.
    pub empty: &'static str,
}

/// The page's end.
pub const END: &str = "</body>\n</html>\n";

/// A table: a caption, headings, and rows of cells (each escaped here).
pub fn table(caption: &str, head: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut t = format!("<table>\n<caption>{}</caption>\n<thead><tr>", esc(caption));
    for h in head {
        t.push_str(&format!("<th scope=\"col\">{}</th>", esc(h)));
    }
    t.push_str("</tr></thead>\n<tbody>\n");
    let mut any = false;
    for row in rows {
        any = true;
        t.push_str("<tr>");
        for cell in row {
            t.push_str(&format!("<td>{}</td>", esc(&cell)));
        }
        t.push_str("</tr>\n");
    }
    if !any {
        t.push_str(&format!(
            "<tr><td colspan=\"{}\">None.</td></tr>\n",
            head.len()
        ));
    }
    t.push_str("</tbody>\n</table>\n");
    t
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_escapes_every_special_character() {
        assert_eq!(
            super::esc(r#"<script>alert('x' & "y")</script>"#),
            "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;"
        );
    }
}
