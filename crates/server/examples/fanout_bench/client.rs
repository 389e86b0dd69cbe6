//! One benchmark client: connects, logs in, says it is ready, then reads every frame until the
//! plan ends (sending on its schedule if it is a sender) and reports what it counted.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::time::{Instant, sleep_until, timeout, timeout_at};
use tokio_tungstenite::tungstenite::Message;

use crate::plan::{Plan, SendSchedule};
use crate::target::{Identity, Marker, Socket, Target};

/// How long connecting and logging in may take, each.
const LOGIN_DEADLINE: Duration = Duration::from_secs(30);

/// What one client counted in one step.
#[derive(Clone, Debug, Default)]
pub struct StepTally {
    /// Messages it sent.
    pub sent: u64,
    /// Messages of its that the server refused (`rate_limited`: overload), not to be delivered.
    pub refused: u64,
    /// Deliveries of this step read before the step's sending ended.
    pub in_window: u64,
    /// Deliveries of this step read before its drain ended (the others count as missed).
    pub received: u64,
    /// Sender-to-receiver latency of each of those, in microseconds.
    pub latencies: Vec<u32>,
}

/// What one client counted.
#[derive(Debug, Default)]
pub struct Report {
    /// One tally a step.
    pub steps: Vec<StepTally>,
    /// The server closed the connection during the run.
    pub dropped: bool,
    /// The socket, still open: closed after the server stops, so the end of the run does not
    /// make the server broadcast a thousand departures while it is measured (or logged).
    pub socket: Option<Socket>,
}

/// How a client takes part.
pub struct Role {
    /// The server.
    pub target: Target,
    /// Its WebSocket URL.
    pub url: String,
    /// Who this client is.
    pub who: Identity,
    /// Its place among the senders, if it sends.
    pub sender: Option<usize>,
    /// Its socket's receive buffer, if not the system's.
    pub recv_buffer: Option<u32>,
}

/// Connects (one of at most as many at once as `connecting` has permits), logs in, reports on
/// `ready`, waits for the plan, and runs it.
pub async fn run(
    role: Role,
    connecting: Arc<Semaphore>,
    ready: mpsc::Sender<Result<(), String>>,
    mut plan: watch::Receiver<Option<Arc<Plan>>>,
) -> Report {
    let socket = {
        let _permit = connecting.acquire().await;
        login(&role).await
    };
    let ok = socket.as_ref().map(|_| ()).map_err(Clone::clone);
    let _ = ready.send(ok).await;
    let Ok(mut socket) = socket else {
        return Report::default();
    };
    // Reads (and drops) presence until the plan comes; the main task sends it within its own
    // deadline or drops the sender.
    let plan = loop {
        tokio::select! {
            changed = plan.changed() => match changed {
                Ok(()) => if let Some(plan) = plan.borrow().clone() { break plan },
                Err(_) => return Report::default(),
            },
            frame = socket.next() => if !matches!(frame, Some(Ok(_))) {
                return Report { dropped: true, ..Report::default() };
            },
        }
    };
    Running::new(&role, &plan).run(socket).await
}

async fn login(role: &Role) -> Result<Socket, String> {
    let (mut socket, _) = timeout(LOGIN_DEADLINE, connect(role))
        .await
        .map_err(|_| "connect timed out".to_owned())?
        .map_err(|err| format!("connect: {err}"))?;
    role.target
        .login(&mut socket, role.who, LOGIN_DEADLINE)
        .await?;
    Ok(socket)
}

/// Opens the WebSocket (with the role's receive buffer, if it has one).
async fn connect(
    role: &Role,
) -> Result<
    (
        Socket,
        tokio_tungstenite::tungstenite::handshake::client::Response,
    ),
    String,
> {
    let Some(bytes) = role.recv_buffer else {
        return tokio_tungstenite::connect_async(role.url.as_str())
            .await
            .map_err(|err| err.to_string());
    };
    let authority = role
        .url
        .split("//")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .ok_or("a ws:// URL")?;
    let addr: std::net::SocketAddr = authority.parse().map_err(|err| format!("{err}"))?;
    let tcp = tokio::net::TcpSocket::new_v4().map_err(|err| err.to_string())?;
    tcp.set_recv_buffer_size(bytes)
        .map_err(|err| err.to_string())?;
    let stream = tcp.connect(addr).await.map_err(|err| err.to_string())?;
    let stream = tokio_tungstenite::MaybeTlsStream::Plain(stream);
    tokio_tungstenite::client_async(role.url.as_str(), stream)
        .await
        .map_err(|err| err.to_string())
}

/// A client during the plan.
struct Running<'a> {
    target: Target,
    index: usize,
    plan: &'a Plan,
    schedule: Option<SendSchedule>,
    sent: u64,
    report: Report,
}

impl<'a> Running<'a> {
    fn new(role: &Role, plan: &'a Plan) -> Self {
        Self {
            target: role.target,
            index: role.who.index,
            plan,
            schedule: role.sender.map(|sender| SendSchedule::new(plan, sender)),
            sent: 0,
            report: Report {
                steps: vec![StepTally::default(); plan.rates.len()],
                ..Report::default()
            },
        }
    }

    async fn run(mut self, mut socket: Socket) -> Report {
        let end = self.plan.finished();
        let far = end + Duration::from_secs(1);
        let mut next_send = self.schedule.as_mut().and_then(|s| s.next(self.plan));
        // Two timers for the whole run (not two a frame): the end, and the next send.
        let ended = sleep_until(end);
        let send_due = sleep_until(next_send.map_or(far, |(_, at)| at));
        tokio::pin!(ended, send_due);
        loop {
            tokio::select! {
                biased;
                () = &mut ended => break,
                () = &mut send_due, if next_send.is_some() => {
                    let step = next_send.map_or(0, |(step, _)| step);
                    if !self.send(&mut socket, step).await {
                        self.report.dropped = true;
                        break;
                    }
                    next_send = self.schedule.as_mut().and_then(|s| s.next(self.plan));
                    send_due.as_mut().reset(next_send.map_or(far, |(_, at)| at));
                }
                frame = socket.next() => match frame {
                    Some(Ok(Message::Text(text))) => self.record(&text),
                    Some(Ok(Message::Close(_)) | Err(_)) | None => {
                        self.report.dropped = true;
                        break;
                    }
                    Some(Ok(_)) => {}
                },
            }
        }
        if !self.report.dropped {
            self.report.socket = Some(socket);
        }
        self.report
    }

    /// Sends the next message of `step`, stamped now; false if the socket failed.
    async fn send(&mut self, socket: &mut Socket, step: usize) -> bool {
        let marker = Marker {
            step,
            micros: self.plan.micros(Instant::now()),
        };
        let frame = self.target.send_frame(
            self.index,
            step,
            self.sent,
            marker.text(self.plan.text_bytes),
        );
        self.sent += 1;
        if let Some(schedule) = &mut self.schedule {
            schedule.sent();
        }
        self.report.steps[step].sent += 1;
        matches!(
            timeout_at(self.plan.finished(), socket.send(frame)).await,
            Ok(Ok(()))
        )
    }

    /// Counts a delivery or a refusal (anything else is ignored).
    fn record(&mut self, frame: &str) {
        let Some(marker) = self.target.delivery(frame) else {
            if let Some(tally) = self
                .target
                .refusal(frame)
                .and_then(|step| self.report.steps.get_mut(step))
            {
                tally.refused += 1;
            }
            return;
        };
        let Some(tally) = self.report.steps.get_mut(marker.step) else {
            return;
        };
        let now = Instant::now();
        let window = self.plan.window(marker.step);
        if now > window.drained {
            return;
        }
        tally.received += 1;
        tally.in_window += u64::from(now <= window.end);
        let latency = self.plan.micros(now).saturating_sub(marker.micros);
        tally
            .latencies
            .push(u32::try_from(latency).unwrap_or(u32::MAX));
    }
}
