//! Rootless operation: this test binary re-runs itself as an unprivileged uid (the suite
//! runs as root) and checks, in the mode `MOBEVOLVE_ISOLATION` asks for, that candidates are
//! isolated with unprivileged user namespaces — own uid without capabilities, own pid
//! namespace, no network, nothing of the host beyond the view, a process limit that counts
//! only the jail's processes, workers killed with the run — and, on a machine that refuses
//! user namespaces, that no isolation is offered and the refusal says what is missing.

use crate::jail_support::{
    as_plain_user, helper, marker, mode, processes_with, role, shell, Scratch, PLAIN_UID,
};
use sandbox::supervisor::Exit;
use sandbox::{jail, supervisor, CancelToken};

const NAME: &str = "rootless::candidates_are_isolated_without_root";
const REFUSED: &str = "rootless::without_user_namespaces_no_isolation_is_offered";

/// Runs this test again as the plain user and fails with its output unless it passed.
fn run_as_plain_user(name: &str, role: &str, deny_user_namespaces: bool) {
    let mut cmd = helper(name, role);
    as_plain_user(&mut cmd, deny_user_namespaces);
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{text}");
    assert!(out.status.success(), "the rootless helper failed:\n{text}");
    assert!(text.contains("1 passed"), "the helper ran no test:\n{text}");
}

#[test]
fn candidates_are_isolated_without_root() {
    if role().as_deref() == Some("plain") {
        return isolated_as_plain_user();
    }
    run_as_plain_user(NAME, "plain", false);
}

fn isolated_as_plain_user() {
    // SAFETY: getters without preconditions.
    let (uid, euid) = unsafe { (libc::getuid(), libc::geteuid()) };
    assert_eq!((uid, euid), (PLAIN_UID, PLAIN_UID));
    let iso = jail::detect(mode(), 61_000).unwrap();
    eprintln!("isolation: {}", iso.describe());
    assert!(iso.rootless() && iso.uid() == PLAIN_UID, "{iso:?}");
    let scratch = Scratch::new("rootless");
    let secret = scratch.0.join("secret.txt");
    std::fs::write(&secret, "not for candidates").unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let run = |script: &str, bash: bool, max_processes: u64| {
        let mut spec = shell(&scratch.0, script, bash, vec![]);
        spec.limits.max_processes = max_processes;
        supervisor::run(&spec, &iso, 1 << 20, &CancelToken::new()).unwrap()
    };

    // Who and where: the caller's uid without capabilities, pid namespace of its own.
    let f = run(
        "id -u; grep CapEff /proc/self/status; echo $$; ls /proc | grep -c '^[0-9]'; \
         test -e SECRET && echo visible || echo hidden; \
         touch /usr/x 2>/dev/null && echo wrote-usr || echo usr-read-only; \
         echo ok > inside.txt && cat inside.txt"
            .replace("SECRET", &secret.display().to_string())
            .as_str(),
        false,
        64,
    );
    let out = String::from_utf8_lossy(&f.stdout).into_owned();
    eprintln!("{out}{}", String::from_utf8_lossy(&f.stderr));
    assert!(f.success(), "{f:?}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], PLAIN_UID.to_string());
    assert_eq!(lines[1].split_whitespace().nth(1), Some("0000000000000000"));
    let pid: u32 = lines[2].parse().unwrap();
    assert!(
        pid <= 3,
        "the shell is pid {pid}: not in a pid namespace of its own"
    );
    let visible: u32 = lines[3].parse().unwrap();
    assert!(visible <= 6, "{visible} processes visible inside");
    assert_eq!(&lines[4..], ["hidden", "usr-read-only", "ok"]);
    assert!(f.foreign_writes.is_empty(), "{:?}", f.foreign_writes);

    // No network: the socket tripwire kills the process.
    let f = run(
        &format!("exec 3<>/dev/tcp/127.0.0.1/{port}; echo connected"),
        true,
        64,
    );
    assert_eq!(f.exit, Exit::Signal(libc::SIGSYS), "{f:?}");
    listener.set_nonblocking(true).unwrap();
    assert!(listener.accept().is_err(), "the jail reached the host");

    // The process limit counts the jail's processes only, not the user's others.
    let mut outside: Vec<std::process::Child> = (0..40)
        .map(|_| {
            std::process::Command::new("sleep")
                .arg("60")
                .spawn()
                .unwrap()
        })
        .collect();
    let f = run(
        "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait; echo forked",
        false,
        32,
    );
    for child in &mut outside {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(f.success(), "{f:?}");
    assert_eq!(String::from_utf8_lossy(&f.stdout), "forked\n");
    // …and it still holds inside.
    let f = run(
        "i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); done; wait",
        false,
        32,
    );
    assert!(
        String::from_utf8_lossy(&f.stderr).contains("fork")
            || String::from_utf8_lossy(&f.stderr).contains("Resource temporarily unavailable"),
        "{f:?}"
    );

    // Workers in their own session die with the run.
    let mark = marker();
    let f = run(
        &format!("setsid sleep 1000.{mark} </dev/null >/dev/null 2>&1 & echo started"),
        false,
        64,
    );
    assert!(f.success());
    assert!(processes_with(&mark).is_empty(), "a worker survived");
}

#[test]
fn without_user_namespaces_no_isolation_is_offered() {
    if role().as_deref() == Some("no-userns") {
        let err = jail::detect(mode(), 61_000).unwrap_err().to_string();
        eprintln!("refusal: {err}");
        assert!(err.contains("user namespaces"), "{err}");
        assert!(err.contains("run as root"), "{err}");
        return;
    }
    run_as_plain_user(REFUSED, "no-userns", true);
}

#[test]
fn the_helper_really_drops_root() {
    // A guard for the two tests above: they would prove nothing if the helper kept root.
    let mut cmd = std::process::Command::new("/usr/bin/id");
    cmd.arg("-u");
    as_plain_user(&mut cmd, false);
    let out = cmd.output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        PLAIN_UID.to_string()
    );
}

#[test]
fn a_run_repository_ignores_git_configuration_it_cannot_read() {
    if role().as_deref() == Some("home-root") {
        // As `sudo -u user` leaves it: HOME is root's, whose files this user cannot read.
        assert_eq!(std::env::var("HOME").as_deref(), Ok("/root"));
        let scratch = Scratch::new("gitconfig");
        let ws = scratch.0.join("ws");
        std::fs::create_dir_all(ws.join("heuristics/src")).unwrap();
        std::fs::write(ws.join("heuristics/src/lib.rs"), "pub fn f() {}\n").unwrap();
        let run = sandbox::RunRepo::init(&scratch.0.join("run"), &ws).unwrap();
        let head = run.main_head().unwrap();
        sandbox::RunRepo::open(&scratch.0.join("run")).unwrap();
        assert_eq!(head.len(), 40);
        return;
    }
    let mut cmd = helper(
        "rootless::a_run_repository_ignores_git_configuration_it_cannot_read",
        "home-root",
    );
    as_plain_user(&mut cmd, false);
    cmd.env("HOME", "/root");
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && text.contains("1 passed"), "{text}");
}
