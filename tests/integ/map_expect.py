#!/usr/bin/env python3
"""Check marsmap against the expected findings of its test captures.

    map_expect.py MARSMAP FILE.expect...

An .expect file lists cases; each runs marsmap --json on a capture and
asserts what it must find.  Lines (# starts a comment):

    case NAME ARG...      run MARSMAP --json ARG... (paths from the top
                          of the tree); the lines below belong to it
    exit N                the exit status
    held RULE...          these rules held
    broken RULE...        these rules were broken
    cannot-tell RULE...   these could not be told
    finding RULE TEXT     a finding of RULE whose message holds TEXT
    findings N            findings made in all
    frames RULE N...      a finding of RULE names these frames
    members N             members reconstructed
    epochs ACTIVE...      the Actives of the epochs, in order

Prints "ok N - ..." / "not ok N - ..." lines; exits 1 on any failure.
"""
import json
import shlex
import subprocess
import sys

n = 0
failed = False


def report(good, what):
    global n, failed
    n += 1
    print(("ok" if good else "not ok") + " %d - %s" % (n, what))
    if not good:
        failed = True


def verdict(doc, rule):
    for r in doc["rules"]:
        if r["rule"] == rule:
            return r["verdict"]
    return "off"


def check_case(marsmap, name, args, lines):
    proc = subprocess.run([marsmap, "--json"] + args, capture_output=True,
                          text=True, timeout=120)
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        report(False, "%s: marsmap wrote one JSON object (stderr: %s)"
               % (name, proc.stderr.strip()[:200]))
        return
    report(doc.get("type") == "report", "%s: a report object" % name)
    for words, text in lines:
        key = words[0]
        if key == "exit":
            report(proc.returncode == int(words[1]),
                   "%s: exit %s (got %d)" % (name, words[1], proc.returncode))
        elif key in ("held", "broken", "cannot-tell"):
            want = key.replace("-", " ")
            for rule in words[1:]:
                got = verdict(doc, rule)
                report(got == want, "%s: %s %s (got %s)"
                       % (name, rule, want, got))
        elif key == "finding":
            rule = words[1]
            hit = [f for f in doc["findings"]
                   if f["rule"] == rule and text in f["message"]]
            report(len(hit) > 0, "%s: a %s finding with \"%s\""
                   % (name, rule, text))
            for f in hit:
                report(all(k in f for k in ("rule", "severity", "frames",
                                            "time", "message", "ref")),
                       "%s: the finding has rule, severity, frames, time, "
                       "message, ref" % name)
                break
        elif key == "findings":
            report(doc["findings_total"] == int(words[1]),
                   "%s: %s findings (got %d)"
                   % (name, words[1], doc["findings_total"]))
        elif key == "frames":
            want = [int(w) for w in words[2:]]
            hit = [f for f in doc["findings"]
                   if f["rule"] == words[1] and f["frames"] == want]
            report(len(hit) > 0, "%s: a %s finding names frames %s"
                   % (name, words[1], want))
        elif key == "members":
            report(len(doc["members"]) == int(words[1]),
                   "%s: %s members (got %d)"
                   % (name, words[1], len(doc["members"])))
        elif key == "epochs":
            got = [e["active"] for e in doc["epochs"]]
            report(got == words[1:], "%s: epochs %s (got %s)"
                   % (name, words[1:], got))
        else:
            report(False, "%s: unknown expectation %s" % (name, key))


def main():
    marsmap = sys.argv[1]
    for path in sys.argv[2:]:
        case = None
        with open(path) as fp:
            for raw in fp:
                line = raw.split("#", 1)[0].strip()
                if not line:
                    continue
                if line.startswith("case "):
                    if case is not None:
                        check_case(marsmap, *case)
                    words = shlex.split(line)
                    case = (words[1], words[2:], [])
                    continue
                if case is None:
                    report(False, "%s: expectation before any case" % path)
                    continue
                words = line.split()
                text = ""
                if words[0] == "finding":
                    text = line.split(None, 2)[2] if len(words) > 2 else ""
                case[2].append((words, text))
        if case is not None:
            check_case(marsmap, *case)
    sys.exit(1 if failed else 0)


main()
