//! The shopping cart that chapters 4, 6 and 7 keep in different places: its
//! form (an item's name and quantity), the form's checks with Django's
//! messages, each cart's limits, and the cart itself.
//!
//! Where a cart *lives* is each chapter's lesson (one cookie per item in
//! chapter 4, one session key in chapter 6, a session found by URL in
//! chapter 7), so that stays in the chapters. What a cart *is*, and what
//! makes an item acceptable, is the same everywhere, so it is here, once.

use axum::http::StatusCode;
use maud::{Markup, Render, html};
use serde::{Deserialize, Serialize};

use crate::forms::TextField;

/// The limits a cart's form enforces.
#[derive(Debug, Clone, Copy)]
pub struct ItemRules {
    /// The name field's label, as the notes' Django form shows it.
    pub name_label: &'static str,
    pub max_name_chars: usize,
    pub max_quantity: u32,
    /// How many different items the cart can hold.
    pub max_items: usize,
    /// Why the cart cannot hold more, and what to do about it.
    pub full_cart_reason: &'static str,
}

/// The cart kept in cookies (chapter 4): the notes' first form,
/// `name = forms.CharField(max_length=30)`.
pub const COOKIE_CART: ItemRules = ItemRules {
    name_label: "Name",
    max_name_chars: 30,
    max_quantity: 999,
    // Each item is a cookie, and browsers keep only so many cookies per
    // domain (RFC 6265 asks for at least 50; some keep more, but a site
    // cannot know which). Past that, a browser silently throws old cookies
    // away, and the cart would lose items without a word. Refusing the next
    // item, and saying why, loses nothing.
    max_items: 20,
    full_cart_reason: "each item is a cookie, and browsers keep only so many cookies per site. \
                       Wait for an item to expire (see its Max-Age), or clear this site's cookies",
};

/// The cart kept in the session (chapters 6 and 7): the notes' second form,
/// `forms.CharField(label='Item Name', max_length=100)` and
/// `forms.IntegerField(label='Quantity', min_value=1)`, plus an upper bound
/// on each quantity and on how many items one session may hold, so that a
/// script cannot grow a session record without end.
pub const SESSION_CART: ItemRules = ItemRules {
    name_label: "Item Name",
    max_name_chars: 100,
    max_quantity: 999,
    max_items: 50,
    full_cart_reason: "one visitor's session is kept small on purpose. Remove an item first",
};

/// The posted form. Every field is a `String` with a default, so any body
/// parses; the values are then checked one by one in [`Cart::add`].
#[derive(Debug, Deserialize, Default)]
pub struct ItemForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default, rename = "csrfmiddlewaretoken")]
    pub csrf_token: String,
}

/// What was wrong with each field, in Django's words where Django has them.
#[derive(Debug, Default, PartialEq)]
pub struct ItemErrors {
    pub name: Option<String>,
    pub quantity: Option<String>,
}

/// One line of the cart. In a session it is stored as JSON,
/// `{"name":"apple","quantity":2}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CartLine {
    pub name: String,
    pub quantity: u32,
}

/// A cart: its lines, in the order they were first added. In a session it
/// is stored as a JSON list of lines.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cart {
    pub lines: Vec<CartLine>,
}

/// What became of a posted item.
#[derive(Debug, PartialEq)]
pub enum AddItem {
    /// The item is in the cart now; the line says how many of it there are.
    Added(CartLine),
    /// The form was refused: the cart is as it was, and each bad field has
    /// a message.
    Refused(ItemErrors),
}

impl AddItem {
    /// The status of the page that answers the post: `200 OK`, or `422
    /// Unprocessable Content` (the form was read, but its values refused).
    pub fn status(&self) -> StatusCode {
        match self {
            AddItem::Added(_) => StatusCode::OK,
            AddItem::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

impl Cart {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// How many of this item the cart holds, if any.
    pub fn quantity_of(&self, name: &str) -> Option<u32> {
        self.lines
            .iter()
            .find(|line| line.name == name)
            .map(|line| line.quantity)
    }

    /// Checks the form against the rules and the cart as it is, and adds the
    /// item if every field is good: adding an item already in the cart adds
    /// to its quantity. On bad input the cart does not change.
    pub fn add(&mut self, form: &ItemForm, rules: &ItemRules) -> AddItem {
        let name = form.name.trim();
        let already = self.quantity_of(name);
        let mut errors = ItemErrors {
            name: rules.name_error(name),
            quantity: None,
        };
        let total = match quantity_to_add(form.quantity.trim(), rules) {
            Err(message) => {
                errors.quantity = Some(message);
                0
            }
            Ok(n) => {
                // n is at most max_quantity, so the sum cannot overflow a u32
                // unless the cart already holds more than it could.
                let total = already.unwrap_or(0).saturating_add(n);
                if total > rules.max_quantity {
                    errors.quantity = Some(format!(
                        "Your cart already holds {} of this item; with {n} more it would pass {}.",
                        already.unwrap_or(0),
                        rules.max_quantity
                    ));
                }
                total
            }
        };
        if errors.name.is_none() && already.is_none() && self.lines.len() >= rules.max_items {
            errors.name = Some(format!(
                "Your cart already holds {} different items, the most it can: {}.",
                rules.max_items, rules.full_cart_reason
            ));
        }
        if errors != ItemErrors::default() {
            return AddItem::Refused(errors);
        }
        let line = CartLine {
            name: name.to_string(),
            quantity: total,
        };
        match self.lines.iter_mut().find(|old| old.name == line.name) {
            Some(old) => *old = line.clone(),
            None => self.lines.push(line.clone()),
        }
        AddItem::Added(line)
    }

    /// Removes one item, and says whether it was there.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.lines.len();
        self.lines.retain(|line| line.name != name);
        self.lines.len() != before
    }
}

impl ItemRules {
    /// What is wrong with an item name (already trimmed), if anything.
    pub fn name_error(&self, name: &str) -> Option<String> {
        let length = name.chars().count();
        if name.is_empty() {
            Some("This field is required.".into())
        } else if length > self.max_name_chars {
            Some(format!(
                "Ensure this value has at most {} characters (it has {length}).",
                self.max_name_chars
            ))
        } else if name.chars().any(char::is_control) {
            Some("An item name cannot contain control characters.".into())
        } else {
            None
        }
    }
}

/// The quantity field, read as Django's `IntegerField(min_value=1)` reads
/// it, with an upper bound: a whole number from 1 to the rules' maximum.
fn quantity_to_add(quantity: &str, rules: &ItemRules) -> Result<u32, String> {
    let too_small = || "Ensure this value is greater than or equal to 1.".to_string();
    let too_large = || {
        format!(
            "Ensure this value is less than or equal to {}.",
            rules.max_quantity
        )
    };
    if quantity.is_empty() {
        return Err("This field is required.".into());
    }
    // Digits, with an optional sign in front: a whole number, however many
    // digits it has. Too many for any integer type is still "too large" (or
    // "too small"), as Django says for any size.
    let digits = quantity.strip_prefix(['+', '-']).unwrap_or(quantity);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("Enter a whole number.".into());
    }
    if quantity.starts_with('-') {
        return Err(too_small());
    }
    match digits.parse::<u32>() {
        Ok(0) => Err(too_small()),
        Ok(n) if n <= rules.max_quantity => Ok(n),
        _ => Err(too_large()),
    }
}

/// The add-item page's content, as every cart chapter shows it: the notes'
/// form, and after a post what became of it: the item added (and the fields
/// empty again), or what was typed, with a message at each bad field. Put it
/// in a page with `(ItemFormPage { .. })`.
pub struct ItemFormPage<'a> {
    pub rules: &'a ItemRules,
    /// The CSRF token the form must carry.
    pub csrf_token: &'a str,
    /// What was posted, if anything.
    pub posted: Option<(&'a ItemForm, &'a AddItem)>,
    /// Where the form's "Display Items" link goes.
    pub display_items: &'a str,
    /// More hidden fields, such as chapter 7's session id.
    pub hidden: Markup,
}

impl Render for ItemFormPage<'_> {
    fn render(&self) -> Markup {
        let (blank, no_errors) = (ItemForm::default(), ItemErrors::default());
        let (typed, errors) = match self.posted {
            Some((typed, AddItem::Refused(errors))) => (typed, errors),
            _ => (&blank, &no_errors),
        };
        html! {
            h1 { "Add Item" }
            @if let Some((_, AddItem::Added(line))) = self.posted {
                p.success role="status" {
                    "Added to your cart: " strong { (line.name) } ". You now have " (line.quantity) "."
                }
            }
            form method="post" action="/addItem/" {
                (TextField { label: self.rules.name_label, name: "name", value: &typed.name, numeric: false, error: errors.name.as_deref() })
                (TextField { label: "Quantity", name: "quantity", value: &typed.quantity, numeric: true, error: errors.quantity.as_deref() })
                (crate::csrf::hidden_input(self.csrf_token))
                (self.hidden)
                input type="submit" value="Add Item";
                " "
                a href=(self.display_items) { "Display Items" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, quantity: &str) -> ItemForm {
        ItemForm {
            name: name.into(),
            quantity: quantity.into(),
            csrf_token: String::new(),
        }
    }

    fn refused(outcome: AddItem) -> ItemErrors {
        match outcome {
            AddItem::Refused(errors) => errors,
            AddItem::Added(line) => panic!("{line:?} was added"),
        }
    }

    #[test]
    fn an_item_is_added_and_adding_it_again_adds_up() {
        let mut cart = Cart::default();
        let line = |name: &str, quantity| CartLine {
            name: name.into(),
            quantity,
        };
        assert_eq!(
            cart.add(&form(" apple ", "2"), &SESSION_CART),
            AddItem::Added(line("apple", 2))
        );
        assert_eq!(
            cart.add(&form("apple", "+3"), &SESSION_CART),
            AddItem::Added(line("apple", 5))
        );
        assert_eq!(
            cart.add(&form("pear", "1"), &SESSION_CART),
            AddItem::Added(line("pear", 1))
        );
        assert_eq!(cart.lines, vec![line("apple", 5), line("pear", 1)]);
        assert!(cart.remove("apple"));
        assert!(
            !cart.remove("apple"),
            "removing what is not there changes nothing"
        );
        assert_eq!(cart.lines, vec![line("pear", 1)]);
    }

    #[test]
    fn each_bad_field_gets_django_s_message_and_the_cart_stays() {
        let mut cart = Cart::default();
        cart.add(&form("apple", "998"), &COOKIE_CART);
        let before = cart.clone();
        for (name, quantity, name_error, quantity_error) in [
            (
                "",
                "",
                Some("This field is required."),
                Some("This field is required."),
            ),
            ("x", "abc", None, Some("Enter a whole number.")),
            ("x", "1.5", None, Some("Enter a whole number.")),
            ("x", "-", None, Some("Enter a whole number.")),
            (
                "x",
                "0",
                None,
                Some("Ensure this value is greater than or equal to 1."),
            ),
            (
                "x",
                "-99999999999999999999",
                None,
                Some("Ensure this value is greater than or equal to 1."),
            ),
            (
                "x",
                "1000",
                None,
                Some("Ensure this value is less than or equal to 999."),
            ),
            (
                "x",
                "99999999999999999999",
                None,
                Some("Ensure this value is less than or equal to 999."),
            ),
            (
                "apple",
                "2",
                None,
                Some("Your cart already holds 998 of this item; with 2 more it would pass 999."),
            ),
            (
                "a\u{7}b",
                "1",
                Some("An item name cannot contain control characters."),
                None,
            ),
        ] {
            let errors = refused(cart.add(&form(name, quantity), &COOKIE_CART));
            assert_eq!(errors.name.as_deref(), name_error, "{name:?} {quantity:?}");
            assert_eq!(
                errors.quantity.as_deref(),
                quantity_error,
                "{name:?} {quantity:?}"
            );
            assert_eq!(cart, before);
        }
        let long = "n".repeat(31);
        let errors = refused(cart.add(&form(&long, "1"), &COOKIE_CART));
        assert_eq!(
            errors.name.as_deref(),
            Some("Ensure this value has at most 30 characters (it has 31).")
        );
    }

    #[test]
    fn a_full_cart_refuses_a_new_item_but_not_more_of_one_it_holds() {
        let mut cart = Cart::default();
        for i in 0..COOKIE_CART.max_items {
            assert!(matches!(
                cart.add(&form(&format!("item {i}"), "1"), &COOKIE_CART),
                AddItem::Added(_)
            ));
        }
        let errors = refused(cart.add(&form("one too many", "1"), &COOKIE_CART));
        assert!(
            errors
                .name
                .unwrap()
                .contains("already holds 20 different items")
        );
        assert!(matches!(
            cart.add(&form("item 0", "1"), &COOKIE_CART),
            AddItem::Added(_)
        ));
    }

    #[test]
    fn the_cart_is_stored_as_a_json_list_of_lines() {
        let mut cart = Cart::default();
        cart.add(&form("apple", "2"), &SESSION_CART);
        assert_eq!(
            serde_json::to_string(&cart).unwrap(),
            r#"[{"name":"apple","quantity":2}]"#
        );
    }
}
