//! A TCP load balancer for tests of several servers, as HAProxy or nginx would sit in front of
//! them: each new connection goes to the next server in turn, skipping any that refuses (a
//! killed one), and lives as long as both sides do — a server killed cuts its connections, and
//! the clients' reconnects land on the others.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A running balancer; it serves until the test binary ends.
pub struct Balancer {
    addr: SocketAddr,
}

impl Balancer {
    /// Listens on a free loopback port and spreads connections over `servers` in turn.
    ///
    /// # Panics
    /// If it cannot listen.
    pub fn start(servers: Vec<SocketAddr>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("the balancer listens");
        let addr = listener.local_addr().expect("its address");
        let next = Arc::new(AtomicUsize::new(0));
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let first = next.fetch_add(1, Ordering::Relaxed);
                let server = (0..servers.len())
                    .map(|k| servers[(first + k) % servers.len()])
                    .find_map(|server| TcpStream::connect(server).ok());
                if let Some(server) = server {
                    splice(client, server);
                }
            }
        });
        Self { addr }
    }

    /// The WebSocket URL of the servers behind it.
    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }
}

/// Copies bytes both ways between `client` and `server`, each way on a thread of its own; when
/// one side ends (or fails), both are shut down.
fn splice(client: TcpStream, server: TcpStream) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let pairs = client
        .try_clone()
        .and_then(|client_out| Ok((client_out, server.try_clone()?)));
    let Ok((client_out, server_in)) = pairs else {
        return;
    };
    std::thread::spawn(move || pump(client, server));
    std::thread::spawn(move || pump(server_in, client_out));
}

/// Copies `from` into `to` until either ends, then shuts both down.
fn pump(mut from: TcpStream, mut to: TcpStream) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => {
                if to.write_all(&buffer[..read]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
