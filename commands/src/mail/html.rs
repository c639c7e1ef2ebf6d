//! The HTML part of our emails, and HTML the API writes itself (the simulated
//! checkout's page): escaping, and the HTML twin of a plain-text body.

/// Escapes text for HTML, in element content and in quoted attribute values.
pub fn escape_html(text: &str) -> String {
    // Into one string: a string per character was a fifth of composing a tickets email
    // beside its QR codes (docs/benchmarks.md, "The tickets email's pixels").
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The HTML part saying what `text` says: one paragraph per block of lines, its line
/// breaks kept, the first line of the message as its heading, and every line that is a
/// web address a link. One layout for every email, so each reads the same in a client
/// that shows HTML and in one that shows text.
pub(super) fn html_of_text(text: &str) -> String {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><body style=\"font-family: sans-serif; \
         line-height: 1.5; max-width: 40em\">",
    );
    for (n, block) in text
        .split("\n\n")
        .map(|block| block.trim_matches('\n'))
        .enumerate()
    {
        if block.trim().is_empty() {
            continue;
        }
        let lines: Vec<String> = block.lines().map(line_html).collect();
        if n == 0 && lines.len() == 1 {
            html.push_str(&format!("<h1 style=\"font-size: 1.3em\">{}</h1>", lines[0]));
        } else {
            html.push_str(&format!("<p>{}</p>", lines.join("<br>")));
        }
    }
    html.push_str("</body></html>");
    html
}

fn line_html(line: &str) -> String {
    let trimmed = line.trim();
    let is_address = (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
        && !trimmed.contains(char::is_whitespace);
    if is_address {
        let address = escape_html(trimmed);
        format!("<a href=\"{address}\">{address}</a>")
    } else {
        escape_html(line).replace("  ", "&nbsp; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_lines_and_addresses_become_html_and_text_is_escaped() {
        let html = html_of_text(
            "Your refund for <Jazz & Co>\n\nRefunded: 1 ticket\n  Ticket 1: VIP\n\n\
             Your order:\nhttps://shop.example/orders/1?key=a&b=2\n",
        );
        assert!(
            html.contains(
                "<h1 style=\"font-size: 1.3em\">Your refund for &lt;Jazz &amp; Co&gt;</h1>"
            ),
            "{html}"
        );
        assert!(
            html.contains("<p>Refunded: 1 ticket<br>&nbsp; Ticket 1: VIP</p>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"https://shop.example/orders/1?key=a&amp;b=2\">"),
            "{html}"
        );
    }
}
