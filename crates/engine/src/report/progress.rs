//! A live progress note on a terminal: while libtest waits on a case for more than a second,
//! the end of its `test … ...` line says how far the run is (cases done, requests made, the
//! busiest case and its requests). Fed by the run's events; drawn only when stdout and stderr
//! are terminals, so CI logs and redirected output never see it.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::events::{Event, Subscriber};

/// How long a wait goes unannounced: most cases end well before.
const QUIET_FOR: Duration = Duration::from_secs(1);
/// How often the note is redrawn.
const EVERY: Duration = Duration::from_millis(250);

/// What the note says, kept up to date by the events.
#[derive(Debug, Default)]
struct Tally {
    cases: usize,
    done: usize,
    requests: usize,
    /// Requests of each running case, by plan index.
    running: BTreeMap<usize, (String, usize)>,
}

impl Tally {
    fn on(&mut self, event: &Event<'_>) {
        match event {
            Event::RunStarted { cases, .. } => self.cases = *cases,
            Event::CaseStarted { index, id, .. } => {
                self.running.insert(*index, (id.to_string(), 0));
            }
            Event::Exchange { index, .. } => {
                self.requests += 1;
                if let Some((_, n)) = self.running.get_mut(index) {
                    *n += 1;
                }
            }
            Event::CaseFinished { index, .. } => {
                self.done += 1;
                self.running.remove(index);
            }
            _ => {}
        }
    }

    /// The note, at most `room` characters: the fullest form that fits, down to the bare
    /// counts cut short (`None` only when not even `[…]` fits).
    fn note(&self, waited: Duration, room: usize) -> Option<String> {
        let counts = format!("[{}/{} cases done, {} requests, {} s", self.done, self.cases, group(self.requests), waited.as_secs());
        let busiest = self.running.values().max_by_key(|(_, n)| *n).filter(|(_, n)| *n > 0);
        let mut forms = Vec::new();
        if let Some((id, n)) = busiest {
            let case = id.rsplit("::").next().unwrap_or(id);
            forms.push(format!("{counts}; {case}: {} requests]", group(*n)));
        }
        forms.push(format!("{counts}]"));
        let compact = format!("[{}/{}, {} req, {} s]", self.done, self.cases, group(self.requests), waited.as_secs());
        forms.push(compact.clone());
        if let Some(fits) = forms.into_iter().find(|f| f.chars().count() <= room) {
            return Some(fits);
        }
        // Cut the compact form, keeping its bracket closed.
        (room >= 3).then(|| format!("{}…]", compact.chars().take(room - 2).collect::<String>()))
    }
}

/// `12345` as `12,345`.
fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

struct State {
    tally: Tally,
    /// Since when libtest has been waiting on a case, if it is.
    waiting: Option<Instant>,
    /// Whether a note is on screen.
    drawn: bool,
    finished: bool,
}

/// The note's shared state: the events update it, libtest's thread says when it waits, and a
/// drawing thread shows it.
pub struct Progress {
    state: Mutex<State>,
    wake: Condvar,
    /// Columns left after libtest's `test NAME ... `.
    room: usize,
    out: Mutex<Box<dyn Write + Send>>,
}

impl Progress {
    /// A note for a terminal `columns` wide whose test names are at most `name_width` long,
    /// written to `out`; `None` when there is no room for it.
    pub(crate) fn new(columns: usize, name_width: usize, out: Box<dyn Write + Send>) -> Option<Arc<Progress>> {
        // libtest writes `test ` + the padded name + ` ... `: a line longer than the terminal
        // wraps, and the note goes after the cursor on the last row. It must not wrap again.
        let cursor = (name_width + 10) % columns.max(1);
        let room = columns.checked_sub(cursor + 1).filter(|r| *r >= 3)?;
        let state = State { tally: Tally::default(), waiting: None, drawn: false, finished: false };
        Some(Arc::new(Progress { state: Mutex::new(state), wake: Condvar::new(), room, out: Mutex::new(out) }))
    }

    /// The note on this process's terminal, when libtest prints its pretty format to one.
    pub fn for_terminal(args: &libtest_mimic::Arguments, name_width: usize) -> Option<Arc<Progress>> {
        let pretty = !args.quiet && matches!(args.format, None | Some(libtest_mimic::FormatSetting::Pretty));
        if !pretty || args.list || args.logfile.is_some() || !std::io::stdout().is_terminal() || !std::io::stderr().is_terminal() {
            return None;
        }
        let progress = Progress::new(terminal_columns()?, name_width, Box::new(std::io::stderr()))?;
        let drawer = progress.clone();
        std::thread::Builder::new().name("progress".into()).spawn(move || drawer.draw_until_finished()).ok()?;
        Some(progress)
    }

    /// libtest starts waiting on a case.
    pub(crate) fn wait_begins(&self) {
        self.lock().waiting = Some(Instant::now());
    }

    /// libtest got its verdict: the note goes before libtest writes the outcome.
    pub(crate) fn wait_ends(&self) {
        let mut state = self.lock();
        state.waiting = None;
        if std::mem::take(&mut state.drawn) {
            self.write(b"\x1b[K");
        }
    }

    /// Stop drawing (the run is over).
    pub(crate) fn finish(&self) {
        self.lock().finished = true;
        self.wake.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self, bytes: &[u8]) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = out.write_all(bytes).and_then(|_| out.flush());
    }

    /// Redraw the note if libtest has waited long enough; the cursor stays where libtest left it.
    fn tick(&self, now: Instant) {
        let mut state = self.lock();
        let Some(since) = state.waiting else { return };
        let waited = now.saturating_duration_since(since);
        if waited < QUIET_FOR {
            return;
        }
        if let Some(note) = state.tally.note(waited, self.room) {
            // Clear what was there, save the cursor, write, and go back.
            self.write(format!("\x1b[K\x1b7{note}\x1b8").as_bytes());
            state.drawn = true;
        }
    }

    fn draw_until_finished(&self) {
        let mut state = self.lock();
        while !state.finished {
            state = self.wake.wait_timeout(state, EVERY).map(|(s, _)| s).unwrap_or_else(|p| p.into_inner().0);
            drop(state);
            self.tick(Instant::now());
            state = self.lock();
        }
    }
}

/// Feeds a [`Progress`] from the event bus: the counts, libtest's waits, and the end of the run.
pub(crate) struct ProgressEvents(pub Arc<Progress>);

impl Subscriber for ProgressEvents {
    fn on(&mut self, event: &Event<'_>, _at_ms: u64) {
        match event {
            Event::Awaited { .. } => self.0.wait_begins(),
            Event::AwaitOver { .. } => self.0.wait_ends(),
            Event::RunFinished { .. } => self.0.finish(),
            _ => self.0.lock().tally.on(event),
        }
    }
}

/// The width of the terminal on stderr.
fn terminal_columns() -> Option<usize> {
    // SAFETY: TIOCGWINSZ writes one `winsize` into the struct it is given, which lives here.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(size.ws_col as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::ExchangeRecord;

    #[derive(Clone, Default)]
    struct Screen(Arc<Mutex<Vec<u8>>>);
    impl Write for Screen {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn busy(progress: &Progress) {
        let mut tally = progress.lock();
        let ex = ExchangeRecord::get("http://h/v2/images");
        for e in [
            Event::RunStarted { specgate: "0", targets: &[], cases: 3, jobs: 1 },
            Event::CaseStarted { index: 0, id: "specs/a.yaml::list", target: "t" },
            Event::CaseStarted { index: 1, id: "specs/a.yaml::pagination.walk", target: "t" },
        ] {
            tally.tally.on(&e);
        }
        for _ in 0..1234 {
            tally.tally.on(&Event::Exchange { index: 1, id: "specs/a.yaml::pagination.walk", target: "t", exchange: &ex });
        }
        tally.tally.on(&Event::Exchange { index: 0, id: "specs/a.yaml::list", target: "t", exchange: &ex });
    }

    #[test]
    fn the_note_names_the_busiest_case_and_fits_its_room() {
        let p = Progress::new(120, 40, Box::new(std::io::sink())).unwrap();
        busy(&p);
        let tally = &p.lock().tally;
        assert_eq!(
            tally.note(Duration::from_secs(7), 200).unwrap(),
            "[0/3 cases done, 1,235 requests, 7 s; pagination.walk: 1,234 requests]"
        );
        assert_eq!(tally.note(Duration::from_secs(7), 50).unwrap(), "[0/3 cases done, 1,235 requests, 7 s]");
        assert_eq!(tally.note(Duration::from_secs(7), 21).unwrap(), "[0/3, 1,235 req, 7 s]");
        assert_eq!(tally.note(Duration::from_secs(7), 12).unwrap(), "[0/3, 1,23…]");
        assert_eq!(tally.note(Duration::from_secs(7), 2), None);
    }

    #[test]
    fn nothing_is_drawn_in_the_first_second_and_the_note_is_cleared_before_the_outcome() {
        let screen = Screen::default();
        let p = Progress::new(160, 40, Box::new(screen.clone())).unwrap();
        busy(&p);
        p.tick(Instant::now());
        assert!(screen.0.lock().unwrap().is_empty(), "not waiting yet");
        p.wait_begins();
        let begun = p.lock().waiting.unwrap();
        p.tick(begun + Duration::from_millis(500));
        assert!(screen.0.lock().unwrap().is_empty(), "a short wait goes unannounced");
        p.tick(begun + Duration::from_secs(3));
        let drawn = String::from_utf8(screen.0.lock().unwrap().clone()).unwrap();
        assert_eq!(drawn, "\x1b[K\x1b7[0/3 cases done, 1,235 requests, 3 s; pagination.walk: 1,234 requests]\x1b8");
        p.wait_ends();
        assert!(String::from_utf8(screen.0.lock().unwrap().clone()).unwrap().ends_with("\x1b8\x1b[K"), "cleared");
        let len = screen.0.lock().unwrap().len();
        p.tick(begun + Duration::from_secs(4));
        assert_eq!(screen.0.lock().unwrap().len(), len, "no note once the wait is over");
    }

    #[test]
    fn the_progress_note_fits_an_80_column_terminal_whatever_the_names() {
        // The bundled specs' names are about 118 wide: libtest's line wraps once on 80 columns.
        for width in [20, 40, 66, 118, 200] {
            let p = Progress::new(80, width, Box::new(std::io::sink())).expect("a note on 80 columns");
            assert!((width + 10) % 80 + p.room < 80, "{width}: the note ends before the last column");
        }
        // Only a line that ends in the last columns leaves no room.
        assert!(Progress::new(80, 68, Box::new(std::io::sink())).is_none());
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!([0, 999, 1000, 11751, 1234567].map(group), ["0", "999", "1,000", "11,751", "1,234,567"]);
    }
}
