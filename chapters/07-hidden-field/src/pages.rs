//! The words of chapter 7's pages: every page says how its request found
//! the session, and warns while the id travels in URLs. The lesson itself,
//! how a session is found and carried, is in `lib.rs`.

use course_kit::shop::Cart;
use maud::{Markup, html};

use crate::{CHAPTER, FoundBy, Links, Refused, TrackedSession};

/// Every page of the chapter: the content, then how the session was found,
/// with every navigation link rewritten when needed.
pub(crate) fn page(
    tracked: &TrackedSession,
    links: &Links,
    title: &str,
    content: Markup,
) -> Markup {
    let how = match tracked.found_by {
        FoundBy::Cookie => {
            "by cookie: your browser sent the sessionid cookie, so URLs no longer need to carry the id."
        }
        FoundBy::Url => "by URL: the link you followed carried ?sid=… .",
        FoundBy::HiddenField => "by hidden field: the form you sent carried a hidden sid field.",
        FoundBy::New => {
            "not at all, so this request started afresh (a session begins once something is stored)."
        }
    };
    let content = html! {
        (content)
        div.explain {
            p { "This request found its session " strong { (how) } }
            @match tracked.refused {
                Some(Refused::Unknown) => p.notice {
                    "The request named a session id this server does not know (expired, from before a restart, "
                    "or made up). It was not adopted: a fresh session with a new, random id began instead."
                },
                Some(Refused::CrossSite) => p.notice {
                    "The request came from a page on another site, and named a session id in its URL or form. "
                    "It was ignored: another site must not choose your session."
                },
                None => {},
            }
            @if links.moves_into_cookie {
                p {
                    "Your browser sent the " code { "cookietest" } " cookie back, so it keeps cookies. "
                    "The session now moves into the " code { "sessionid" } " cookie, under a new id: "
                    "the id in this page's address, and in any link copied from it, no longer works."
                }
            } @else if links.query().is_some() {
                p {
                    "Until your browser sends a cookie back, every link on this page carries the session id "
                    "and every form a hidden " code { "sid" } " field."
                }
                p.notice {
                    "Careful: an id in a URL ends up in your history, bookmarks and server logs, and in any link "
                    "you copy. Whoever has the link has your session. That is why sites prefer cookies."
                }
            }
        }
    };
    CHAPTER.page_with_query(title, content, links.query().as_deref())
}

pub(crate) fn shop(links: &Links) -> Markup {
    html! {
        h1 { "welcome to my shopping cart" }
        p { a href=(links.url("/addItem/")) { "Add Item" } " " a href=(links.url("/displayItems/")) { "Display Items" } }
        p { "Block cookies for 127.0.0.1 in your browser, and this cart still works." }
    }
}

pub(crate) fn reload_hint() -> Markup {
    html! {
        p { "Reloading the page keeps the session only if its id is in the address or in a cookie: "
            "if cookies are off, follow the link instead." }
    }
}

pub(crate) fn cart(cart: &Cart, links: &Links) -> Markup {
    html! {
        h1 { "Items in your cart" }
        @if cart.is_empty() {
            p { "No items in your cart" }
        } @else {
            table {
                thead { tr { th { "Product Name" } th { "Quantity" } } }
                tbody {
                    @for line in &cart.lines {
                        tr { td { (line.name) } td { (line.quantity) } }
                    }
                }
            }
        }
        p { a href=(links.url("/addItem/")) { "Add Item" } }
    }
}
