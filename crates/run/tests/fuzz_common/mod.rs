//! What the fuzz tests of JSON files share (here and, through `#[path]`, in the eval and train
//! crates): mutations of a JSON document, and damage to a file's bytes.

#![allow(dead_code)] // each test binary uses its own subset

use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Value, json};

/// Values of every JSON type, numbers at the edges of what the fields hold, and strings and
/// objects the fields' own types parse (devices, datasets, kernels), some of them wrong.
pub fn replacement() -> impl Strategy<Value = Value> {
    select(vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(1),
        json!(3),
        json!(2.5),
        json!(-0.0),
        json!(1e308),
        json!(-1e308),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1u64 << 40),
        json!(18446744073709551616.0),
        json!(""),
        json!("x"),
        json!("folder:"),
        json!("folder:/nowhere"),
        json!("cuda:99999999999999999999"),
        json!("wgpu:-1"),
        json!("Hsic"),
        json!("Normalized"),
        json!([]),
        json!([0]),
        json!([1, 1]),
        json!([u64::MAX, 2]),
        json!({}),
        json!({"Gan": null}),
        json!({"Gaussian": {"sigma": 0.0}}),
        json!({"Product": {"split": 3, "head": "Linear", "tail": {"Product": {"split": 9, "head": "Linear", "tail": "Linear"}}}}),
    ])
}

/// One change to a JSON document, at the node its index picks among all nodes below the root.
#[derive(Debug, Clone)]
pub enum Mutation {
    Replace(Index, Value),
    Remove(Index),
    /// Renames a field: unknown fields are ignored, so the parser must notice the missing one.
    Rename(Index),
    /// Repeats an array's element: one more code, term or score than the file had.
    Duplicate(Index),
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), replacement()).prop_map(|(at, value)| Mutation::Replace(at, value)),
        1 => any::<Index>().prop_map(Mutation::Remove),
        1 => any::<Index>().prop_map(Mutation::Rename),
        1 => any::<Index>().prop_map(Mutation::Duplicate),
    ]
}

/// The JSON pointers of every node below `value`, which is at `at`.
fn pointers(value: &Value, at: &str, into: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(key, child)| (format!("{at}/{key}"), child)).collect(),
        Value::Array(items) => items.iter().enumerate().map(|(i, child)| (format!("{at}/{i}"), child)).collect(),
        _ => Vec::new(),
    };
    for (pointer, child) in children {
        pointers(child, &pointer, into);
        into.push(pointer);
    }
}

/// `document` with `mutation` applied (unchanged if the document has no node below the root).
pub fn apply(document: &mut Value, mutation: &Mutation) {
    let mut all = Vec::new();
    pointers(document, "", &mut all);
    let (Mutation::Replace(at, _) | Mutation::Remove(at) | Mutation::Rename(at) | Mutation::Duplicate(at)) = mutation;
    if all.is_empty() {
        return;
    }
    let at = at.get(&all);
    let (parent, key) = at.rsplit_once('/').expect("a pointer below the root");
    match (mutation, document.pointer_mut(parent).expect("the pointer's parent")) {
        (Mutation::Replace(_, value), Value::Object(map)) => drop(map.insert(key.into(), value.clone())),
        (Mutation::Replace(_, value), Value::Array(items)) => items[key.parse::<usize>().unwrap()] = value.clone(),
        (Mutation::Remove(_), Value::Object(map)) => drop(map.remove(key)),
        (Mutation::Remove(_), Value::Array(items)) => drop(items.remove(key.parse().unwrap())),
        (Mutation::Rename(_), Value::Object(map)) => {
            let value = map.remove(key).unwrap();
            map.insert(format!("{key}_renamed"), value);
        }
        (Mutation::Duplicate(_), Value::Array(items)) => {
            let i: usize = key.parse().unwrap();
            items.insert(i, items[i].clone());
        }
        _ => {}
    }
}

/// Damage to a file's bytes: a cut, then bytes flipped by masks.
pub fn damage(bytes: &mut Vec<u8>, cut: Option<Index>, flips: &[(Index, u8)]) {
    if let Some(cut) = cut {
        bytes.truncate(cut.index(bytes.len()));
    }
    for (at, mask) in flips {
        if !bytes.is_empty() {
            let at = at.index(bytes.len());
            bytes[at] ^= mask;
        }
    }
}

/// `document` after `mutations`, pretty-printed, then damaged.
pub fn mutated(mut document: Value, mutations: &[Mutation], cut: Option<Index>, flips: &[(Index, u8)]) -> Vec<u8> {
    mutations.iter().for_each(|mutation| apply(&mut document, mutation));
    let mut bytes = serde_json::to_vec_pretty(&document).unwrap();
    damage(&mut bytes, cut, flips);
    bytes
}

/// Flipped bytes, in a quarter of the cases.
pub fn flips() -> impl Strategy<Value = Vec<(Index, u8)>> {
    prop_oneof![3 => Just(Vec::new()), 1 => proptest::collection::vec((any::<Index>(), 1u8..=255), 1..3)]
}

/// A cut, in a sixth of the cases.
pub fn cut() -> impl Strategy<Value = Option<Index>> {
    proptest::option::weighted(1.0 / 6.0, any::<Index>())
}
