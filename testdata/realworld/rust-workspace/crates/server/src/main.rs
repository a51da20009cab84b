use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let settings = forum_utils::Settings::from_env();
    let addr = format!("{}:{}", settings.bind, settings.port);
    let listener = TcpListener::bind(&addr).await?;
    println!("forum listening on {addr}");
    loop {
        let (_socket, _) = listener.accept().await?;
        forum_db::touch();
    }
}
