use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let settings = forum_utils::Settings::from_env();
    let port: u16 = std::env::var("FORUM_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8536);
    let addr = format!("{}:{}", settings.bind, port);
    let listener = TcpListener::bind(&addr).await?;
    println!("forum listening on {addr}");
    loop {
        let (_socket, _) = listener.accept().await?;
        forum_db::touch();
    }
}
