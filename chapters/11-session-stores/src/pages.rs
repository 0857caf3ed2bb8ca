//! The pages' words around the lesson: what each page says, in chapter 6's
//! sentences where the page is chapter 6's, and the lines that tell which
//! instance served the page and where its session lives.

use course_kit::{
    ErrorPage, csrf,
    shop::{AddItem, Cart, ItemForm, ItemFormPage, ItemRules},
};
use maud::{Markup, html};

use crate::{APPLE, Store};

/// Every page starts with the instance that served it and the store that
/// holds its session. (`just race` reads the store from this line too.)
pub fn served_by(port: u16, store: &Store, content: Markup) -> Markup {
    let shared = match store.kind() {
        "memory" => "No other instance sees them, and a restart forgets them.",
        "redis" => {
            "Every instance that uses this Redis shares them, and they outlive a restart of this \
             server. Redis deletes each one when its time to live runs out."
        }
        _ => "Every instance started with the same file shares them, and they outlive a restart.",
    };
    html! {
        p.explain {
            "Served by the instance on port " strong { (port) } ". Sessions live in "
            strong { (store.location()) } ". " (shared)
        }
        (content)
    }
}

/// The shop page: chapter 6's, and what to try with this chapter's stores.
pub fn shop(seconds: f64, date: &str) -> Markup {
    html! {
        h1 { "welcome to my shopping cart" }
        p { a href="/addItem/" { "Add Item" } " " a href="/displayItems/" { "Display Items" } }
        p { b { "Session expiry Time in seconds: " (seconds) } }
        p { b { "Session expiry Time in date: " (date) } }
        div.explain {
            p {
                strong { "Restart this server" } " (Ctrl-C, then start it again) with items in your cart. "
                "With SQLite or Redis the cart is still there: the store is outside this process. "
                "With " code { "--store memory" } " it is gone, as in chapter 6."
            }
            p {
                strong { "Start a second instance" } " on the same store, " code { "just run 11 --port 3012" }
                ", and open the same pages on port 3012. Your browser sends the same " code { "sessionid" }
                " cookie to both, because cookies belong to the host, 127.0.0.1, not to a port. With a "
                "shared store, both instances find your session and show the same cart. With memory, the "
                "second does not know your id: it starts a session of its own, and its cookie replaces the "
                "first one's."
            }
            p {
                "A real site runs many instances behind a load balancer. Either the balancer sends each "
                "visitor back to the instance that holds their session (" em { "sticky sessions" } "), or "
                "every instance reads one shared store. Sticky sessions are lost with the instance that "
                "holds them, and keep a visitor on one instance however busy it is; a shared store is the "
                "usual answer."
            }
        }
    }
}

/// The add-item page: the kit's form, as in chapter 6.
pub fn form(rules: &ItemRules, token: &str, posted: Option<(&ItemForm, &AddItem)>) -> Markup {
    html! {
        (ItemFormPage { rules, csrf_token: token, posted, display_items: "/displayItems/", hidden: html! {} })
    }
}

/// The cart page: chapter 6's table, without its buttons.
pub fn cart(cart: &Cart) -> Markup {
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
        p.explain {
            "This list is the session's " code { "cart" } " key, inside the session record: the wire "
            "inspector below shows the record as the store returns it."
        }
    }
}

/// The counter page: chapter 5's.
pub fn count(count: u64, seconds_left: f64, expires: &str) -> Markup {
    html! {
        p.count { "Count: " (count) }
        p { "Session expiry Time in seconds: " (seconds_left) }
        p { "Session expiry Time in date: " (expires) }
        p.explain {
            "The count is in the session record, loaded, increased and saved whole, as the cart is. "
            "Reload this page from two instances at once and some visits are not counted: the race lab "
            "shows why."
        }
    }
}

/// What the lab adds: one apple, through the shop's own checks.
pub fn one_apple() -> ItemForm {
    ItemForm {
        name: APPLE.to_string(),
        quantity: "1".to_string(),
        csrf_token: String::new(),
    }
}

pub fn added_to_record(outcome: &AddItem) -> Markup {
    html! {
        @match outcome {
            AddItem::Added(line) => p.success role="status" {
                "Added 1 apple to the cart inside the session record: it holds " (line.quantity) " now."
            },
            AddItem::Refused(errors) => p.notice role="status" {
                "The cart inside the session record refused the apple: "
                (errors.name.as_deref().or(errors.quantity.as_deref()).unwrap_or("no reason given"))
            },
        }
    }
}

pub fn added_to_table(apples: u64) -> Markup {
    html! {
        p.success role="status" {
            "Added 1 apple to the cart in its own table: it holds " (apples) " now."
        }
    }
}

/// A lab button's post that names no session. The CSRF check comes first
/// and refuses such a post, so this is only a guard.
pub fn no_session() -> ErrorPage {
    ErrorPage::bad_request(
        "No session",
        "This request belongs to no session, so there is no cart to add to. Nothing was changed.",
    )
}

/// The race lab: the apples in each cart, a button for each, and how to race.
pub fn lab(in_record: u64, in_table: &[(String, u64)], token: &str) -> Markup {
    let table_apples = in_table
        .iter()
        .find(|(name, _)| name == APPLE)
        .map_or(0, |(_, apples)| *apples);
    html! {
        h1 { "Race lab: one cart, kept two ways" }
        p { "Each button adds one apple to a cart of your session. The two carts differ only in where they are kept." }
        table {
            thead { tr { th { "Where the cart is kept" } th { "Apples" } th { } } }
            tbody {
                tr {
                    td { "Inside the session record: load it, change it, save it whole (chapter 6)" }
                    td { strong #record-apples { (in_record) } }
                    td {
                        form.inline method="post" action="/race/record/" {
                            (csrf::hidden_input(token))
                            button type="submit" { "Add 1 apple to the record" }
                        }
                    }
                }
                tr {
                    td { "In its own table, keyed by the session id: one atomic operation" }
                    td { strong #table-apples { (table_apples) } }
                    td {
                        form.inline method="post" action="/race/table/" {
                            (csrf::hidden_input(token))
                            button type="submit" { "Add 1 apple to the table" }
                        }
                    }
                }
            }
        }
        div.explain {
            p {
                "One click at a time, both carts count alike. Now let two clicks of this session arrive at "
                "the same moment, on two instances. Each loads the record holding, say, 5 apples, and each "
                "saves a record holding 6: one apple is lost. The table cart is changed by the store itself, "
                "in one step (" code { "SET quantity = quantity + 1" } " in SQLite, " code { "HINCRBY" }
                " in Redis), so no apple is lost."
            }
            p {
                strong { "Run the race:" } " start two instances on the same store, " code { "just run 11" }
                " and " code { "just run 11 --port 3012" } ", then, in a third terminal, " code { "just race" }
                ". It sends 2,000 \u{201c}add 1 apple\u{201d} requests to each cart, many at once, half to each "
                "instance, and prints how many apples each cart lost."
            }
        }
    }
}
