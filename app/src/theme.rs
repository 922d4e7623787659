//! The light/dark theme choice. It lives in a cookie so the server renders
//! the page in the chosen theme from the first byte (no flash), with or
//! without JavaScript.

use serde::{Deserialize, Serialize};

pub const THEME_COOKIE: &str = "plinth_theme";

/// A year, so the choice survives browser restarts.
pub const THEME_COOKIE_MAX_AGE_SECS: u32 = 365 * 24 * 60 * 60;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Theme {
    /// Follow the operating system's preference.
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(value: &str) -> Option<Theme> {
        match value {
            "system" => Some(Theme::System),
            "light" => Some(Theme::Light),
            "dark" => Some(Theme::Dark),
            _ => None,
        }
    }

    /// The theme chosen in a `Cookie` request header, or the system's.
    pub fn from_cookie_header(header: &str) -> Theme {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == THEME_COOKIE)
            .and_then(|(_, value)| Theme::parse(value.trim()))
            .unwrap_or_default()
    }

    /// What the toggle switches to. With `System`, the server cannot know
    /// what the system shows, so it assumes light and offers dark.
    pub fn toggled(self, system_is_dark: bool) -> Theme {
        let dark_now = match self {
            Theme::System => system_is_dark,
            Theme::Light => false,
            Theme::Dark => true,
        };
        if dark_now { Theme::Light } else { Theme::Dark }
    }

    /// The `Set-Cookie` value that stores this choice.
    pub fn set_cookie_value(self) -> String {
        format!("{THEME_COOKIE}={}; Path=/; Max-Age={THEME_COOKIE_MAX_AGE_SECS}; SameSite=Lax", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_theme_cookie_is_found_among_other_cookies() {
        let header = "session=abc; plinth_theme=dark; other=1";
        assert_eq!(Theme::from_cookie_header(header), Theme::Dark);
    }

    #[test]
    fn a_missing_or_unknown_theme_cookie_means_the_system_theme() {
        assert_eq!(Theme::from_cookie_header(""), Theme::System);
        assert_eq!(Theme::from_cookie_header("plinth_theme=purple"), Theme::System);
        assert_eq!(Theme::from_cookie_header("xplinth_theme=dark"), Theme::System);
    }

    #[test]
    fn toggling_switches_between_light_and_dark() {
        assert_eq!(Theme::Light.toggled(true), Theme::Dark);
        assert_eq!(Theme::Dark.toggled(false), Theme::Light);
        assert_eq!(Theme::System.toggled(true), Theme::Light);
        assert_eq!(Theme::System.toggled(false), Theme::Dark);
    }

    #[test]
    fn the_cookie_value_reads_back_as_the_same_theme() {
        for theme in [Theme::System, Theme::Light, Theme::Dark] {
            let value = theme.set_cookie_value();
            let pair = value.split(';').next().expect("a cookie has a name=value pair");
            assert_eq!(Theme::from_cookie_header(pair), theme);
        }
    }
}
