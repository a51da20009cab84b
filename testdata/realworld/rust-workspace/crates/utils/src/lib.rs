pub struct Settings {
    pub bind: String,
    pub port: u16,
}

impl Settings {
    pub fn from_env() -> Self {
        let port = std::env::var("FORUM_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(8536);
        Settings { bind: "0.0.0.0".into(), port }
    }
}
