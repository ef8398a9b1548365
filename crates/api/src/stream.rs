//! A response body written by blocking code: a `Write` on the blocking pool feeding a
//! bounded channel of chunks, read by the response as a stream.

use actix_web::web::Bytes;
use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::runtime::Handle;
use tokio::sync::mpsc::{self, error::SendTimeoutError};

/// Bytes gathered before a chunk is sent.
const CHUNK_BYTES: usize = 64 * 1024;
/// Chunks waiting for a slow client before the writer waits too.
const CHUNKS_AHEAD: usize = 4;
/// The longest a client may take no data before the export stops: a client that stops
/// reading would otherwise hold an expensive-read slot for good.
pub const STALL_LIMIT: Duration = Duration::from_secs(60);

/// A writer and the stream of what it writes. Call it on the runtime (a handler): the
/// writer waits for the client through the runtime's timer.
pub fn channel() -> (ChannelWriter, Chunks) {
    let (sender, receiver) = mpsc::channel(CHUNKS_AHEAD);
    let finished = Arc::new(AtomicBool::new(false));
    let writer = ChannelWriter {
        sender,
        buffer: Vec::with_capacity(CHUNK_BYTES),
        runtime: Handle::current(),
        stall: STALL_LIMIT,
        finished: Arc::clone(&finished),
    };
    (writer, Chunks { receiver, finished, ended: false })
}

/// The writing end (blocking: use it on the blocking pool, never on a worker).
#[derive(Debug)]
pub struct ChannelWriter {
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
    runtime: Handle,
    stall: Duration,
    /// Set once the whole body was sent: a writer dropped without it cut the body short.
    finished: Arc<AtomicBool>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES)));
        match self.runtime.block_on(self.sender.send_timeout(Ok(chunk), self.stall)) {
            Ok(()) => Ok(()),
            Err(SendTimeoutError::Closed(_)) => {
                Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))
            }
            Err(SendTimeoutError::Timeout(_)) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the client took no data for {} s", self.stall.as_secs()),
            )),
        }
    }

    /// Sends what is left: the body ends there.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.send()?;
        self.finished.store(true, Ordering::Release);
        Ok(())
    }

    /// Ends the body with an error: the client sees the transfer cut short (as it does
    /// when the writer is dropped unfinished, and this error is only the log's).
    pub fn fail(&self, error: String) {
        // A client that went away or stalled is not waited for again.
        let _ = self.sender.try_send(Err(std::io::Error::other(error)));
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The reading end: a response body. It ends with an error, never cleanly, when the writer
/// stopped before [`ChannelWriter::finish`], so a client never takes a cut export for a
/// whole one (the chunked transfer is not closed with its last chunk).
#[derive(Debug)]
pub struct Chunks {
    receiver: mpsc::Receiver<Result<Bytes, std::io::Error>>,
    finished: Arc<AtomicBool>,
    ended: bool,
}

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match self.receiver.poll_recv(cx) {
            Poll::Ready(Some(Err(error))) => {
                self.ended = true;
                Poll::Ready(Some(Err(error)))
            }
            Poll::Ready(None) if !self.finished.load(Ordering::Acquire) => {
                self.ended = true;
                Poll::Ready(Some(Err(std::io::Error::other("the export stopped before its end"))))
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_core::Stream;
    use std::future::poll_fn;

    async fn next(chunks: &mut Chunks) -> Option<Result<Bytes, std::io::Error>> {
        poll_fn(|cx| Pin::new(&mut *chunks).poll_next(cx)).await
    }

    #[actix_web::test]
    async fn a_finished_writer_ends_the_body_and_a_dropped_one_cuts_it() {
        let (mut writer, mut chunks) = channel();
        let done = actix_web::rt::task::spawn_blocking(move || {
            writer.write_all(b"id,name\n1,Ann\n").and_then(|()| writer.finish())
        });
        assert_eq!(next(&mut chunks).await.unwrap().unwrap(), Bytes::from_static(b"id,name\n1,Ann\n"));
        assert!(next(&mut chunks).await.is_none());
        done.await.unwrap().unwrap();

        let (mut writer, mut chunks) = channel();
        let cut = actix_web::rt::task::spawn_blocking(move || {
            writer.write_all(&vec![b'x'; CHUNK_BYTES]).unwrap();
            drop(writer);
        });
        assert_eq!(next(&mut chunks).await.unwrap().unwrap().len(), CHUNK_BYTES);
        assert!(next(&mut chunks).await.unwrap().is_err());
        assert!(next(&mut chunks).await.is_none());
        cut.await.unwrap();
    }

    #[actix_web::test]
    async fn a_client_that_takes_nothing_stops_the_writer() {
        let (mut writer, chunks) = channel();
        writer.stall = Duration::from_millis(50);
        let stalled = actix_web::rt::task::spawn_blocking(move || {
            (0..=CHUNKS_AHEAD).try_for_each(|_| writer.write_all(&vec![b'x'; CHUNK_BYTES]))
        });
        let error = stalled.await.unwrap().unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
        drop(chunks);

        let (mut writer, chunks) = channel();
        drop(chunks);
        let gone = actix_web::rt::task::spawn_blocking(move || writer.write_all(&vec![b'x'; CHUNK_BYTES]));
        assert_eq!(gone.await.unwrap().unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
    }
}
