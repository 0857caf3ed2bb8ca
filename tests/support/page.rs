//! Reading a page as a person (and a browser) would: its text, its links,
//! its forms. The HTML is parsed by `scraper`, the same kind of parser a
//! browser has, so that a test reads what a learner sees.

use scraper::{ElementRef, Html, Node, Selector};

/// A form found on a page.
#[derive(Debug)]
pub struct FormOnPage {
    /// Where it posts to, as written in its `action`.
    pub action: String,
    /// Its hidden fields, in page order.
    pub hidden: Vec<(String, String)>,
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css:?}: {e}"))
}

/// The first element matching `css`, if any.
fn first<'a>(html: &'a Html, css: &str) -> Option<ElementRef<'a>> {
    html.select(&selector(css)).next()
}

/// The text a person reads in the page's `<main>`, one block per line.
pub fn main_text(body: &str) -> String {
    let html = Html::parse_document(body);
    first(&html, "main").map(text_of).unwrap_or_default()
}

/// The text of the wire inspector panel, one block per line.
pub fn inspector_text(body: &str) -> String {
    let html = Html::parse_document(body);
    first(&html, "aside#wire").map(text_of).unwrap_or_default()
}

/// The `href` of the link whose text is `text`: the first in the page's
/// `<main>` if there is one there (the link a reader sees in the text), else
/// the first anywhere, such as in the navigation bar.
pub fn link(body: &str, text: &str) -> Option<String> {
    let html = Html::parse_document(body);
    let link_in = |css: &str| {
        html.select(&selector(css))
            .find(|a| text_of(*a) == text)
            .and_then(|a| a.value().attr("href").map(str::to_string))
    };
    link_in("main a[href]").or_else(|| link_in("a[href]"))
}

/// The `href` of every link on the page.
pub fn hrefs(body: &str) -> Vec<String> {
    let html = Html::parse_document(body);
    html.select(&selector("a[href]"))
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect()
}

/// The page's forms: their action and their hidden fields. A form without
/// an `action` posts to the page's own address, `target`.
pub fn forms(body: &str, target: &str) -> Vec<FormOnPage> {
    let html = Html::parse_document(body);
    html.select(&selector("form"))
        .map(|form| FormOnPage {
            action: form
                .value()
                .attr("action")
                .map_or_else(|| target.to_string(), str::to_string),
            hidden: form
                .select(&selector("input[type=hidden]"))
                .filter_map(|input| {
                    let field = input.value();
                    Some((
                        field.attr("name")?.to_string(),
                        field.attr("value")?.to_string(),
                    ))
                })
                .collect(),
        })
        .collect()
}

/// The raw HTML of one element, exactly as the server sent it: from its
/// opening tag to its closing tag. A snapshot shows these bytes, not a
/// parser's re-serialisation of them, so that it records what crossed the
/// wire, escaping included.
pub fn raw_element<'a>(body: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let from = body.find(open)?;
    let to = body[from..].find(close)? + from + close.len();
    Some(&body[from..to])
}

/// Elements after which text continues on a new line.
const BLOCKS: &[&str] = &[
    "p", "h1", "h2", "h3", "li", "tr", "br", "table", "ul", "form", "div", "section", "nav",
    "header", "main", "aside",
];
/// Elements that sit beside their neighbours on the page (a label, its
/// input and its error message): kept apart by a space in the text.
const SIDE_BY_SIDE: &[&str] = &["label", "input", "button", "span"];

/// The text of an element: tags dropped, block ends turned into line
/// breaks, table cells separated by ` | `, whitespace folded, empty lines
/// dropped.
pub fn text_of(element: ElementRef<'_>) -> String {
    fn walk(node: ego_tree::NodeRef<'_, Node>, out: &mut String) {
        match node.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(element) => {
                let name = element.name();
                let around = if BLOCKS.contains(&name) {
                    "\n"
                } else if SIDE_BY_SIDE.contains(&name) {
                    " "
                } else {
                    ""
                };
                out.push_str(around);
                for child in node.children() {
                    walk(child, out);
                }
                out.push_str(around);
                if matches!(name, "td" | "th") {
                    out.push_str(" | ");
                }
            }
            _ => {}
        }
    }
    let mut text = String::new();
    for child in element.children() {
        walk(child, &mut text);
    }
    text.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .map(|line| line.trim_end_matches(" |").to_string())
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_a_page() {
        let body = "<main><h1>Hi &amp; bye</h1><p>one <b>two</b></p>\
                    <table><tr><td>a</td><td>b</td></tr></table></main>";
        assert_eq!(main_text(body), "Hi & bye\none two\na | b");
    }

    #[test]
    fn links_and_forms() {
        let body = r#"<nav><a href="/x/">Go</a></nav><main><p><a href="/y/?a=1&amp;b=2">Go</a></p>
            <form method="post" action="/add/"><input type="hidden" name="t" value="&quot;1"><input name="n"></form></main>"#;
        assert_eq!(
            link(body, "Go").as_deref(),
            Some("/y/?a=1&b=2"),
            "the link in main first"
        );
        assert_eq!(hrefs(body), ["/x/", "/y/?a=1&b=2"]);
        let forms = forms(body, "/page/");
        assert_eq!(forms[0].action, "/add/");
        assert_eq!(forms[0].hidden, [("t".to_string(), "\"1".to_string())]);
    }

    #[test]
    fn raw_elements_are_cut_from_the_bytes_sent() {
        let body = "<body><main><p>&lt;b&gt;</p></main><aside>x</aside></body>";
        assert_eq!(
            raw_element(body, "<main>", "</main>"),
            Some("<main><p>&lt;b&gt;</p></main>")
        );
        assert_eq!(raw_element(body, "<nav>", "</nav>"), None);
    }
}
