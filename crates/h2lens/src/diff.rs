//! Comparing header lists and exchanges: what a proxy added, removed,
//! reordered or changed between two hops.

use serde::{Deserialize, Serialize};

use crate::inspect::{CollectedExchange, Header};
use crate::octets::Octets;

/// One line of a header-list comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum HeaderChange {
    /// In both lists, in the same relative order.
    Same {
        name: Octets,
        value: Octets,
        left: usize,
        right: usize,
    },
    /// In both lists, but moved relative to the others.
    Moved {
        name: Octets,
        value: Octets,
        left: usize,
        right: usize,
    },
    /// Same name, another value.
    Changed {
        name: Octets,
        left_value: Octets,
        right_value: Octets,
        left: usize,
        right: usize,
    },
    /// Only on the right.
    Added {
        name: Octets,
        value: Octets,
        right: usize,
    },
    /// Only on the left.
    Removed {
        name: Octets,
        value: Octets,
        left: usize,
    },
}

/// How one name's values (the gRPC metadata view) differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupChange {
    pub name: Octets,
    pub left: Vec<Octets>,
    pub right: Vec<Octets>,
    pub kind: GroupChangeKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupChangeKind {
    Same,
    Added,
    Removed,
    /// The same values in another order.
    Reordered,
    /// Different values (including a value repeated a different number of
    /// times).
    Changed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeaderDiff {
    /// Wire-order comparison, in the right list's order with removals
    /// placed where they were on the left.
    pub changes: Vec<HeaderChange>,
    /// Grouped comparison, names in order of first appearance.
    pub grouped: Vec<GroupChange>,
}

impl HeaderDiff {
    pub fn is_same(&self) -> bool {
        self.changes
            .iter()
            .all(|c| matches!(c, HeaderChange::Same { .. }))
    }
}

/// Longest lists compared with the exact (quadratic) alignment; longer ones
/// fall back to a greedy one.
const MAX_LCS: usize = 2048;

/// Compares two header lists.
pub fn diff_headers(left: &[Header], right: &[Header]) -> HeaderDiff {
    let same = align(left, right);
    let mut left_used = vec![false; left.len()];
    let mut right_used = vec![false; right.len()];
    // (right position, left position, change) to sort at the end.
    let mut out: Vec<(usize, usize, HeaderChange)> = Vec::new();
    for (l, r) in same {
        mark(&mut left_used, l);
        mark(&mut right_used, r);
        if let (Some(lh), Some(_)) = (left.get(l), right.get(r)) {
            out.push((
                r,
                l,
                HeaderChange::Same {
                    name: lh.name.clone(),
                    value: lh.value.clone(),
                    left: l,
                    right: r,
                },
            ));
        }
    }
    // Equal pairs outside the alignment moved.
    pair_up(
        left,
        right,
        &mut left_used,
        &mut right_used,
        |a, b| a == b,
        |l, r, lh, _| {
            out.push((
                r,
                l,
                HeaderChange::Moved {
                    name: lh.name.clone(),
                    value: lh.value.clone(),
                    left: l,
                    right: r,
                },
            ))
        },
    );
    // Same name, other value: changed.
    pair_up(
        left,
        right,
        &mut left_used,
        &mut right_used,
        |a, b| a.name == b.name,
        |l, r, lh, rh| {
            out.push((
                r,
                l,
                HeaderChange::Changed {
                    name: lh.name.clone(),
                    left_value: lh.value.clone(),
                    right_value: rh.value.clone(),
                    left: l,
                    right: r,
                },
            ))
        },
    );
    for (r, h) in right.iter().enumerate() {
        if !right_used.get(r).copied().unwrap_or(true) {
            out.push((
                r,
                usize::MAX,
                HeaderChange::Added {
                    name: h.name.clone(),
                    value: h.value.clone(),
                    right: r,
                },
            ));
        }
    }
    for (l, h) in left.iter().enumerate() {
        if !left_used.get(l).copied().unwrap_or(true) {
            // Place a removal after whatever came before it on the left.
            let anchor = out
                .iter()
                .filter(|(_, lpos, _)| *lpos != usize::MAX && *lpos < l)
                .map(|(rpos, _, _)| *rpos)
                .max()
                .map(|r| r + 1)
                .unwrap_or(0);
            out.push((
                anchor,
                l,
                HeaderChange::Removed {
                    name: h.name.clone(),
                    value: h.value.clone(),
                    left: l,
                },
            ));
        }
    }
    out.sort_by_key(|(r, l, c)| (*r, !matches!(c, HeaderChange::Removed { .. }), *l));
    HeaderDiff {
        changes: out.into_iter().map(|(_, _, c)| c).collect(),
        grouped: diff_grouped(left, right),
    }
}

fn mark(used: &mut [bool], i: usize) {
    if let Some(u) = used.get_mut(i) {
        *u = true;
    }
}

/// Pairs unused headers, in order, that satisfy `eq`.
fn pair_up(
    left: &[Header],
    right: &[Header],
    left_used: &mut [bool],
    right_used: &mut [bool],
    eq: impl Fn(&Header, &Header) -> bool,
    mut found: impl FnMut(usize, usize, &Header, &Header),
) {
    for (l, lh) in left.iter().enumerate() {
        if left_used.get(l).copied().unwrap_or(true) {
            continue;
        }
        let hit = right
            .iter()
            .enumerate()
            .find(|(r, rh)| !right_used.get(*r).copied().unwrap_or(true) && eq(lh, rh));
        if let Some((r, rh)) = hit {
            mark(left_used, l);
            mark(right_used, r);
            found(l, r, lh, rh);
        }
    }
}

/// Index pairs of a longest common subsequence of equal headers.
fn align(left: &[Header], right: &[Header]) -> Vec<(usize, usize)> {
    let (n, m) = (left.len(), right.len());
    if n == 0 || m == 0 {
        return Vec::new();
    }
    if n > MAX_LCS || m > MAX_LCS {
        // Greedy: walk both in order.
        let mut pairs = Vec::new();
        let mut r = 0;
        for (l, lh) in left.iter().enumerate() {
            if let Some(off) = right
                .get(r..)
                .and_then(|rest| rest.iter().position(|rh| rh == lh))
            {
                pairs.push((l, r + off));
                r += off + 1;
            }
        }
        return pairs;
    }
    // lengths[i][j]: LCS of left[i..] and right[j..], row-major.
    let width = m + 1;
    let mut lengths = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let value = if left.get(i) == right.get(j) {
                lengths.get((i + 1) * width + j + 1).copied().unwrap_or(0) + 1
            } else {
                let down = lengths.get((i + 1) * width + j).copied().unwrap_or(0);
                let across = lengths.get(i * width + j + 1).copied().unwrap_or(0);
                down.max(across)
            };
            if let Some(cell) = lengths.get_mut(i * width + j) {
                *cell = value;
            }
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if left.get(i) == right.get(j) {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if lengths.get((i + 1) * width + j) >= lengths.get(i * width + j + 1) {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

fn grouped(list: &[Header]) -> Vec<(Octets, Vec<Octets>)> {
    let mut groups: Vec<(Octets, Vec<Octets>)> = Vec::new();
    for h in list {
        match groups.iter_mut().find(|(name, _)| *name == h.name) {
            Some((_, values)) => values.push(h.value.clone()),
            None => groups.push((h.name.clone(), vec![h.value.clone()])),
        }
    }
    groups
}

fn diff_grouped(left: &[Header], right: &[Header]) -> Vec<GroupChange> {
    let l = grouped(left);
    let r = grouped(right);
    let mut out = Vec::new();
    for (name, lv) in &l {
        let rv = r.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        let (kind, right_values) = match rv {
            None => (GroupChangeKind::Removed, Vec::new()),
            Some(rv) if rv == *lv => (GroupChangeKind::Same, rv),
            Some(rv) => {
                let mut a = lv.clone();
                let mut b = rv.clone();
                a.sort();
                b.sort();
                if a == b {
                    (GroupChangeKind::Reordered, rv)
                } else {
                    (GroupChangeKind::Changed, rv)
                }
            }
        };
        out.push(GroupChange {
            name: name.clone(),
            left: lv.clone(),
            right: right_values,
            kind,
        });
    }
    for (name, rv) in &r {
        if !l.iter().any(|(n, _)| n == name) {
            out.push(GroupChange {
                name: name.clone(),
                left: Vec::new(),
                right: rv.clone(),
                kind: GroupChangeKind::Added,
            });
        }
    }
    out
}

/// Header names that identify a request across hops, most specific first.
pub const TRACE_HEADERS: &[&str] = &[
    "x-request-id",
    "x-trace-id",
    "traceparent",
    "x-b3-traceid",
    "x-cloud-trace-context",
    "x-amzn-trace-id",
    "uber-trace-id",
    "x-correlation-id",
];

/// A pair of exchanges judged to be the same request at two hops.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExchangePair {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub right: Option<usize>,
    /// How they were paired: a trace header's name, or `path_and_order`.
    pub by: String,
}

/// What pairing looks at in an exchange: its `:path` and request headers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairKey {
    #[serde(default)]
    pub path: Option<Octets>,
    #[serde(default)]
    pub request_headers: Vec<Header>,
}

impl From<&CollectedExchange> for PairKey {
    fn from(ex: &CollectedExchange) -> PairKey {
        PairKey {
            path: ex.exchange.path.clone(),
            request_headers: ex.request_headers.clone(),
        }
    }
}

fn trace_id(ex: &PairKey) -> Option<(&'static str, &Octets)> {
    TRACE_HEADERS.iter().find_map(|name| {
        ex.request_headers
            .iter()
            .find(|h| h.name.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
            .map(|h| (*name, &h.value))
    })
}

/// Pairs exchanges of two captures: by a trace/request-id header when
/// both carry the same one, else by path and order of appearance.
pub fn pair_exchanges(left: &[PairKey], right: &[PairKey]) -> Vec<ExchangePair> {
    let mut right_used = vec![false; right.len()];
    let mut pairs = Vec::new();
    let mut unpaired_left = Vec::new();
    for (l, lex) in left.iter().enumerate() {
        let hit = trace_id(lex).and_then(|(name, id)| {
            right.iter().enumerate().find_map(|(r, rex)| {
                let free = !right_used.get(r).copied().unwrap_or(true);
                (free && trace_id(rex).is_some_and(|(_, rid)| rid == id)).then_some((r, name))
            })
        });
        match hit {
            Some((r, name)) => {
                mark(&mut right_used, r);
                pairs.push(ExchangePair {
                    left: Some(l),
                    right: Some(r),
                    by: name.to_string(),
                });
            }
            None => unpaired_left.push(l),
        }
    }
    for l in unpaired_left {
        let path = left.get(l).and_then(|e| e.path.clone());
        let hit = right
            .iter()
            .enumerate()
            .find(|(r, rex)| !right_used.get(*r).copied().unwrap_or(true) && rex.path == path);
        match hit {
            Some((r, _)) => {
                mark(&mut right_used, r);
                pairs.push(ExchangePair {
                    left: Some(l),
                    right: Some(r),
                    by: "path_and_order".into(),
                });
            }
            None => pairs.push(ExchangePair {
                left: Some(l),
                right: None,
                by: "unpaired".into(),
            }),
        }
    }
    for (r, used) in right_used.iter().enumerate() {
        if !used {
            pairs.push(ExchangePair {
                left: None,
                right: Some(r),
                by: "unpaired".into(),
            });
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(list: &[(&str, &str)]) -> Vec<Header> {
        list.iter()
            .map(|(n, v)| Header {
                name: Octets::from(*n),
                value: Octets::from(*v),
            })
            .collect()
    }

    fn kinds(d: &HeaderDiff) -> Vec<String> {
        d.changes
            .iter()
            .map(|c| match c {
                HeaderChange::Same { name, .. } => format!("= {name}"),
                HeaderChange::Moved { name, .. } => format!("~ {name}"),
                HeaderChange::Changed { name, .. } => format!("* {name}"),
                HeaderChange::Added { name, .. } => format!("+ {name}"),
                HeaderChange::Removed { name, .. } => format!("- {name}"),
            })
            .collect()
    }

    #[test]
    fn proxy_hop_changes() {
        // What a sidecar typically does: adds a header, drops some, and
        // moves one.
        let client = h(&[
            (":method", "POST"),
            (":path", "/p.S/M"),
            ("actorscopes", "api"),
            ("actorscopes", "actor1"),
            ("actorscopes", "actor2"),
            ("x-drop", "1"),
            ("user-agent", "grpc-python"),
        ]);
        let server = h(&[
            (":method", "POST"),
            (":path", "/p.S/M"),
            ("user-agent", "grpc-python"),
            ("actorscopes", "api"),
            ("actorscopes", "actor2"),
            ("l5d-dst", "svc"),
        ]);
        let d = diff_headers(&client, &server);
        // actor1 was dropped: the alignment keeps api and actor2 in place.
        assert_eq!(
            kinds(&d),
            [
                "= :method",
                "= :path",
                "~ user-agent",
                "= actorscopes",
                "- actorscopes",
                "= actorscopes",
                "- x-drop",
                "+ l5d-dst",
            ]
        );
        let actors = d
            .grouped
            .iter()
            .find(|g| g.name.as_bytes() == b"actorscopes")
            .unwrap();
        assert_eq!(actors.kind, GroupChangeKind::Changed);
        assert_eq!(actors.left.len(), 3);
        assert_eq!(actors.right.len(), 2);
        assert!(!d.is_same());
        assert!(diff_headers(&client, &client).is_same());
    }

    #[test]
    fn pairs_by_trace_header_then_path() {
        let key = |path: &str, id: Option<&str>| PairKey {
            path: Some(Octets::from(path)),
            request_headers: id.map(|id| h(&[("x-request-id", id)])).unwrap_or_default(),
        };
        let left = [key("/a", Some("1")), key("/a", Some("2")), key("/b", None)];
        let right = [
            key("/b", None),
            key("/a", Some("2")),
            key("/a", Some("1")),
            key("/c", None),
        ];
        let pairs = pair_exchanges(&left, &right);
        let got: Vec<(Option<usize>, Option<usize>, &str)> = pairs
            .iter()
            .map(|p| (p.left, p.right, p.by.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Some(0), Some(2), "x-request-id"),
                (Some(1), Some(1), "x-request-id"),
                (Some(2), Some(0), "path_and_order"),
                (None, Some(3), "unpaired"),
            ]
        );
    }

    #[test]
    fn changed_value_is_one_line() {
        let a = h(&[(":path", "/a"), ("x-env", "prod"), ("te", "trailers")]);
        let b = h(&[(":path", "/a"), ("x-env", "staging"), ("te", "trailers")]);
        let d = diff_headers(&a, &b);
        assert_eq!(kinds(&d), ["= :path", "* x-env", "= te"]);
        assert!(matches!(
            &d.changes[1],
            HeaderChange::Changed { left_value, right_value, .. }
                if left_value.as_bytes() == b"prod" && right_value.as_bytes() == b"staging"
        ));
    }

    #[test]
    fn repeated_value_counts_matter() {
        let a = h(&[("roles", "admin"), ("roles", "admin")]);
        let b = h(&[("roles", "admin")]);
        let d = diff_headers(&a, &b);
        assert_eq!(kinds(&d), ["= roles", "- roles"]);
        assert_eq!(d.grouped[0].kind, GroupChangeKind::Changed);
        let c = h(&[("x", "1"), ("x", "2")]);
        let e = h(&[("x", "2"), ("x", "1")]);
        assert_eq!(
            diff_headers(&c, &e).grouped[0].kind,
            GroupChangeKind::Reordered
        );
    }
}
