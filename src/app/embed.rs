//! Embed mode: what an explorer inside someone else's article shows, from its query string
//! (`?embed=1&controls=play,step&views=stack,bars&autoplay=1`; the run itself stays in the fragment).
//! Unknown names are reported, like everything read from outside.

use crate::core::settings::SETTINGS;
use crate::views::View;

/// The transport controls an embed can show.
pub const BUTTONS: [&str; 7] = [
    "play", "step", "step100", "reset", "new-seed", "speed", "timeline",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Embed {
    /// Buttons and setting keys to show, in order.
    pub controls: Vec<String>,
    /// Views to show, the first one large; empty means the usual choice for the model.
    pub views: Vec<View>,
    /// Start playing once the embed is on screen.
    pub autoplay: bool,
    /// Colours to use whatever the reader's system prefers (`light`, `dark`); None follows the system.
    pub theme: Option<&'static str>,
}

impl Embed {
    /// Reads the query string (with or without '?'). None when embed mode is not asked for.
    pub fn parse(query: &str) -> Option<(Embed, Vec<String>)> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut pairs: Vec<(String, String)> = vec![];
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if let (Some(k), Some(v)) = (crate::app::link::decode(k), crate::app::link::decode(v)) {
                pairs.push((k, v));
            }
        }
        let get = |key: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        if !matches!(get("embed"), Some("1" | "true" | "")) {
            return None;
        }
        let mut notices = vec![];
        let mut embed = Embed {
            controls: vec!["play".into(), "step".into(), "reset".into()],
            views: vec![],
            autoplay: false,
            theme: None,
        };
        if let Some(list) = get("controls") {
            embed.controls = match list {
                "none" | "" => vec![],
                "play" => vec!["play".into(), "step".into()],
                list => list
                    .split(',')
                    .filter_map(|name| {
                        let name = name.trim();
                        if BUTTONS.contains(&name) || SETTINGS.iter().any(|s| s.key == name) {
                            Some(name.to_string())
                        } else {
                            notices.push(format!(
                                "controls: '{}' is not a control; allowed none, play, or a list of {} and setting names",
                                shorten(name),
                                BUTTONS.join(", ")
                            ));
                            None
                        }
                    })
                    .take(32)
                    .collect(),
            };
        }
        if let Some(list) = get("views") {
            for name in list.split(',').take(16) {
                match View::from_id(name.trim()) {
                    Some(v) if !embed.views.contains(&v) => embed.views.push(v),
                    Some(_) => {}
                    None => notices.push(format!(
                        "views: '{}' is not a view; allowed {}",
                        shorten(name),
                        View::ids_text()
                    )),
                }
            }
        }
        if let Some(v) = get("autoplay") {
            match v {
                "1" | "true" => embed.autoplay = true,
                "0" | "false" => {}
                other => notices.push(format!(
                    "autoplay: '{}' is not 1 or 0; using 0",
                    shorten(other)
                )),
            }
        }
        if let Some(t) = get("theme") {
            match ["light", "dark"].into_iter().find(|name| *name == t) {
                Some(name) => embed.theme = Some(name),
                None => notices.push(format!(
                    "theme: '{}' is not light or dark; following the reader's system",
                    shorten(t)
                )),
            }
        }
        Some((embed, notices))
    }
}

fn shorten(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embed_options_are_read_and_bad_names_reported() {
        assert_eq!(Embed::parse("?foo=1"), None);
        let (e, notices) = Embed::parse("?embed=1").unwrap();
        assert_eq!(e.controls, vec!["play", "step", "reset"]);
        assert!(e.views.is_empty() && !e.autoplay && notices.is_empty());
        let (e, _) = Embed::parse("embed=1&controls=none").unwrap();
        assert!(e.controls.is_empty());
        let (e, _) = Embed::parse("embed=1&controls=play").unwrap();
        assert_eq!(e.controls, vec!["play", "step"]);
        let (e, notices) = Embed::parse(
            "embed=1&controls=play,density,<b>,seed&views=stack,pie,bars,stack&autoplay=yes",
        )
        .unwrap();
        assert_eq!(e.controls, vec!["play", "density", "seed"]);
        assert_eq!(e.views, vec![View::Stack, View::Bars]);
        assert_eq!(notices.len(), 3, "{notices:?}");
        assert!(notices[0].contains("'<b>' is not a control"));
        assert!(notices[1].contains("'pie' is not a view"));
        assert!(notices[2].contains("autoplay: 'yes'"));
        let (e, _) = Embed::parse("embed=1&autoplay=1&views=hidden&theme=dark").unwrap();
        assert!(e.autoplay);
        assert_eq!(e.theme, Some("dark"));
        assert_eq!(e.views, vec![View::Hidden]);
        let (e, notices) = Embed::parse("embed=1&theme=pink").unwrap();
        assert_eq!(e.theme, None);
        assert!(notices[0].contains("theme: 'pink' is not light or dark"));
    }
}
