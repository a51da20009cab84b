pub struct Settings {
    pub bind: String,
}

impl Settings {
    pub fn from_env() -> Self {
        let bind = std::env::var("FORUM_BIND").unwrap_or_else(|_| "0.0.0.0".into());
        Settings { bind }
    }
}
