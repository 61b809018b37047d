//! A parallel map whose results are handed over in input order through a bounded window.
//!
//! Workers on the rayon pool take items in order from the iterator (which may be lazy,
//! like a folder walk, so the items are never all in memory) and work on them; the calling thread
//! receives the results, puts them back in order and hands each to `sink` as soon as
//! all earlier ones have been handed over. A worker does not start an item more than
//! `window` places ahead of the last one handed over, so memory stays bounded however
//! many items there are, and the workers never wait for the sink to finish a batch:
//! writing the output overlaps with labelling the next documents.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

/// Calls `work` on every item in parallel and `sink` on each result in item order.
/// Stops early, without calling `sink` again, when `sink` returns an error.
pub fn map_in_order<I, R, E>(
    pool: &rayon::ThreadPool,
    items: I,
    window: usize,
    work: impl Fn(I::Item) -> R + Sync,
    mut sink: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    I: Iterator + Send,
    R: Send,
{
    let window = window.max(1);
    // Items are taken a few at a time and their results sent together: one hand-over
    // per run instead of per item saves a thread wake-up per item (a tenth of the time
    // when the items are small documents). A run never exceeds the window.
    let run = RUN.min(window);
    // The next items and their numbers are taken together, so numbers follow item order.
    let items = Mutex::new(items.enumerate());
    let stop = AtomicBool::new(false);
    // How many results the sink has taken; workers wait on it to stay inside the window.
    let handed_over = (Mutex::new(0usize), Condvar::new());
    let waiting = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::sync_channel::<Vec<(usize, R)>>(window);

    std::thread::scope(|scope| {
        let workers = pool.current_num_threads().max(1);
        let (items, stop, handed_over, waiting, work) =
            (&items, &stop, &handed_over, &waiting, &work);
        scope.spawn(move || {
            pool.scope(|pool_scope| {
                for _ in 0..workers {
                    let sender = sender.clone();
                    pool_scope.spawn(move |_| loop {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let taken: Vec<(usize, I::Item)> = {
                            let mut items = items.lock().unwrap_or_else(|e| e.into_inner());
                            items.by_ref().take(run).collect()
                        };
                        let Some(&(last, _)) = taken.last() else {
                            break;
                        };
                        {
                            let (count, moved) = handed_over;
                            let mut count = count.lock().unwrap_or_else(|e| e.into_inner());
                            while last >= *count + window && !stop.load(Ordering::Relaxed) {
                                waiting.fetch_add(1, Ordering::SeqCst);
                                count = moved.wait(count).unwrap_or_else(|e| e.into_inner());
                                waiting.fetch_sub(1, Ordering::SeqCst);
                            }
                        }
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let results = taken
                            .into_iter()
                            .map(|(idx, item)| (idx, work(item)))
                            .collect();
                        if sender.send(results).is_err() {
                            break;
                        }
                    });
                }
                drop(sender);
            });
        });

        let mut pending: BTreeMap<usize, R> = BTreeMap::new();
        let mut expected = 0usize;
        let mut outcome = Ok(());
        'receive: for results in receiver.iter() {
            pending.extend(results);
            let before = expected;
            while let Some(result) = pending.remove(&expected) {
                expected += 1;
                if let Err(err) = sink(result) {
                    outcome = Err(err);
                    break 'receive;
                }
            }
            if expected > before {
                let (count, moved) = &handed_over;
                *count.lock().unwrap_or_else(|e| e.into_inner()) = expected;
                // Waking is a system call: only when a worker waits.
                if waiting.load(Ordering::SeqCst) > 0 {
                    moved.notify_all();
                }
            }
        }
        if outcome.is_err() {
            // Wake the waiting workers and let the blocked senders fail.
            stop.store(true, Ordering::Relaxed);
            let (count, moved) = &handed_over;
            drop(count.lock().unwrap_or_else(|e| e.into_inner()));
            moved.notify_all();
            drop(receiver);
        }
        outcome
    })
}

/// How many items a worker takes at a time.
const RUN: usize = 4;

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
    }

    #[test]
    fn results_arrive_in_item_order_whatever_the_work_time() {
        let items: Vec<u64> = (0..500).collect();
        let mut seen = Vec::new();
        map_in_order(
            &pool(4),
            items.iter(),
            8,
            |&n| {
                // Uneven work so that later items often finish first.
                std::thread::sleep(std::time::Duration::from_micros((n * 37) % 200));
                n * 2
            },
            |r| {
                seen.push(r);
                Ok::<_, ()>(())
            },
        )
        .unwrap();
        assert_eq!(seen, items.iter().map(|n| n * 2).collect::<Vec<_>>());
    }

    #[test]
    fn no_item_starts_more_than_a_window_ahead_of_the_sink() {
        let items: Vec<usize> = (0..300).collect();
        let handed = AtomicUsize::new(0);
        let worst = AtomicUsize::new(0);
        let window = 5;
        map_in_order(
            &pool(3),
            items.iter(),
            window,
            |&idx| {
                let ahead = idx.saturating_sub(handed.load(Ordering::SeqCst));
                worst.fetch_max(ahead, Ordering::SeqCst);
                idx
            },
            |idx| {
                std::thread::sleep(std::time::Duration::from_micros(50));
                handed.store(idx + 1, Ordering::SeqCst);
                Ok::<_, ()>(())
            },
        )
        .unwrap();
        let worst = worst.load(Ordering::SeqCst);
        assert!(worst < window, "an item started {worst} places ahead");
    }

    #[test]
    fn a_lazy_iterator_is_drawn_no_further_than_the_window_and_the_workers_runs() {
        let drawn = AtomicUsize::new(0);
        let worst = AtomicUsize::new(0);
        let (window, workers) = (4, 2);
        let items = (0..200usize).inspect(|_| {
            drawn.fetch_add(1, Ordering::SeqCst);
        });
        let mut handed = 0;
        map_in_order(
            &pool(workers),
            items,
            window,
            |idx| idx,
            |idx| {
                std::thread::sleep(std::time::Duration::from_micros(100));
                handed = idx + 1;
                let ahead = drawn.load(Ordering::SeqCst) - handed;
                worst.fetch_max(ahead, Ordering::SeqCst);
                Ok::<_, ()>(())
            },
        )
        .unwrap();
        assert_eq!(handed, 200);
        let worst = worst.load(Ordering::SeqCst);
        assert!(worst <= window + workers * RUN, "{worst} items drawn ahead");
    }

    #[test]
    fn a_sink_error_stops_the_run_and_is_returned() {
        let items: Vec<usize> = (0..10_000).collect();
        let worked = AtomicUsize::new(0);
        let mut taken = 0;
        let outcome = map_in_order(
            &pool(2),
            items.iter(),
            16,
            |&idx| {
                worked.fetch_add(1, Ordering::SeqCst);
                idx
            },
            |idx| {
                taken += 1;
                if idx == 20 {
                    Err("disk full")
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(outcome, Err("disk full"));
        assert_eq!(taken, 21);
        // The workers stopped near the failure instead of working through every item.
        assert!(worked.load(Ordering::SeqCst) < 100);
    }

    #[test]
    fn no_items_means_no_calls() {
        let items: Vec<u8> = Vec::new();
        let mut calls = 0;
        map_in_order(
            &pool(2),
            items.iter(),
            4,
            |_| 0,
            |_| {
                calls += 1;
                Ok::<_, ()>(())
            },
        )
        .unwrap();
        assert_eq!(calls, 0);
    }
}
