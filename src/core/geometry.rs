//! Named geometry (docs/science.md, "Named geometry"): what shape the features form in the hidden
//! space, from W alone.
//!
//! **Arrangement** (tied models, m ≤ 3; [`arrangement`]). The represented features (‖W_i‖ ≥
//! [`REPRESENTED_NORM`]) are taken as unit directions Ŵ_i. Two features interact when the angle between
//! them is more than [`ANGLE_TOL`] (10°) away from 90°; the groups of interacting features (connected
//! components) lie in orthogonal subspaces, the paper's tegum products. Each group is named by
//! comparing its Gram matrix of angles with the ideal one of each candidate shape of its size, under
//! every vertex order: it is that shape when some order puts every angle within [`ANGLE_TOL`] of the
//! ideal's. The candidates: a lone feature (a *dedicated direction*), an *antipodal pair* (180°), a
//! *triangle* (120°), a *tetrahedron* (109.47°), a regular k-gon in a plane for 5 ≤ k ≤
//! [`MAX_POLYGON`] (*pentagon*, *hexagon*, …), and the *square antiprism* of 8 directions (the one whose
//! directions are a tight frame, D_i = 3/8: two squares 45° apart at heights ±1/√3). A group that is
//! none of them makes the whole *irregular*. The whole is named from its groups: only lone features →
//! *dedicated directions*; two antipodal pairs in 2-D → *square*; three in 3-D → *octahedron*;
//! otherwise the groups joined by "+". The **badge** says *superposition* when more features are
//! represented than there are dimensions, or any two represented features interact, and *no
//! superposition* otherwise.
//!
//! **Feature-geometry graph** (any model and m; [`feature_graph`]): the paper's graph with the
//! represented features as nodes and an edge between i and j when |W_i · W_j| ≥ [`EDGE_CUT`], weighted by
//! it. Each connected component is labelled with its features' dimensionalities D_i (from
//! [`metrics::features`](crate::core::metrics::features)) and the paper's fraction (1, 3/4, 2/3, 1/2,
//! 2/5, 3/8, 2/k) nearest their mean, with the shape that fraction stands for when the component has
//! that shape's number of features, and the shape its Gram matrix matches (as above), if any.

use serde::Serialize;

use crate::core::kernels::{dot, sum_sq};
use crate::core::metrics::FeatureMetrics;
pub use crate::core::metrics::REPRESENTED_NORM;

/// How far (in degrees) an angle may be from the ideal shape's, and from 90° for two features not to
/// interact.
pub const ANGLE_TOL: f64 = 10.0;
/// The largest regular polygon named (neighbours 360°/16 = 22.5° apart, still more than twice
/// [`ANGLE_TOL`]).
pub const MAX_POLYGON: usize = 16;
/// The feature-geometry graph's edge cut on |W_i · W_j|.
pub const EDGE_CUT: f32 = 0.1;
/// The most edges the graph lists (strongest first); components use them all.
pub const MAX_EDGES: usize = 4096;
/// The most vertex orders tried when matching one group to one shape.
const SEARCH_BUDGET: usize = 200_000;

/// An ideal shape: unit directions (3-D coordinates) and its name.
struct Ideal {
    name: String,
    directions: Vec<[f64; 3]>,
}

fn polygon(k: usize) -> Vec<[f64; 3]> {
    (0..k)
        .map(|a| {
            let t = 2.0 * core::f64::consts::PI * a as f64 / k as f64;
            [libm::cos(t), libm::sin(t), 0.0]
        })
        .collect()
}

fn polygon_name(k: usize) -> String {
    match k {
        3 => "triangle".into(),
        5 => "pentagon".into(),
        6 => "hexagon".into(),
        7 => "heptagon".into(),
        8 => "octagon".into(),
        9 => "nonagon".into(),
        10 => "decagon".into(),
        _ => format!("regular {k}-gon"),
    }
}

/// The candidate shapes with `k` directions.
fn ideals(k: usize) -> Vec<Ideal> {
    let mut out = vec![];
    match k {
        1 => out.push(Ideal {
            name: "dedicated direction".into(),
            directions: vec![[1.0, 0.0, 0.0]],
        }),
        2 => out.push(Ideal {
            name: "antipodal pair".into(),
            directions: vec![[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]],
        }),
        4 => {
            let s = 1.0 / libm::sqrt(3.0);
            out.push(Ideal {
                name: "tetrahedron".into(),
                directions: vec![[s, s, s], [s, -s, -s], [-s, s, -s], [-s, -s, s]],
            });
        }
        _ => {}
    }
    if k == 3 || (5..=MAX_POLYGON).contains(&k) {
        out.push(Ideal {
            name: polygon_name(k),
            directions: polygon(k),
        });
    }
    if k == 8 {
        // Two squares 45° apart at heights ±h, r² + h² = 1, with Σ v vᵀ = (8/3) I: h² = 1/3.
        let (r, h) = (libm::sqrt(2.0 / 3.0), libm::sqrt(1.0 / 3.0));
        let directions = (0..8)
            .map(|a| {
                let t = core::f64::consts::FRAC_PI_4 * a as f64;
                let z = if a % 2 == 0 { h } else { -h };
                [r * libm::cos(t), r * libm::sin(t), z]
            })
            .collect();
        out.push(Ideal {
            name: "square antiprism".into(),
            directions,
        });
    }
    out
}

fn angle_deg(cos: f64) -> f64 {
    libm::acos(cos.clamp(-1.0, 1.0)).to_degrees()
}

/// A vertex order putting every angle of `angles` (the group's, k × k) within [`ANGLE_TOL`] of the
/// ideal's, and its largest deviation; None when there is none (or the search ran out of budget).
fn match_shape(angles: &[Vec<f64>], ideal: &Ideal) -> Option<(Vec<usize>, f64)> {
    let k = angles.len();
    if ideal.directions.len() != k {
        return None;
    }
    let ideal_angles: Vec<Vec<f64>> = ideal
        .directions
        .iter()
        .map(|a| {
            ideal
                .directions
                .iter()
                .map(|b| angle_deg(a[0] * b[0] + a[1] * b[1] + a[2] * b[2]))
                .collect()
        })
        .collect();
    // Every candidate shape is vertex-transitive, so the group's first feature can be ideal vertex 0.
    let mut order = vec![0usize];
    let mut used = vec![false; k];
    used[0] = true;
    let mut budget = SEARCH_BUDGET;
    fn extend(
        order: &mut Vec<usize>,
        used: &mut [bool],
        angles: &[Vec<f64>],
        ideal: &[Vec<f64>],
        budget: &mut usize,
    ) -> bool {
        let a = order.len();
        if a == angles.len() {
            return true;
        }
        for f in 0..angles.len() {
            if used[f] || *budget == 0 {
                continue;
            }
            *budget -= 1;
            let fits = order
                .iter()
                .enumerate()
                .all(|(b, &g)| (angles[f][g] - ideal[a][b]).abs() <= ANGLE_TOL);
            if fits {
                used[f] = true;
                order.push(f);
                if extend(order, used, angles, ideal, budget) {
                    return true;
                }
                order.pop();
                used[f] = false;
            }
        }
        false
    }
    if !extend(&mut order, &mut used, angles, &ideal_angles, &mut budget) {
        return None;
    }
    let mut worst = 0.0f64;
    for a in 0..k {
        for b in 0..k {
            worst = worst.max((angles[order[a]][order[b]] - ideal_angles[a][b]).abs());
        }
    }
    Some((order, worst))
}

/// The name of a group of features from their pairwise angles, with its features in the shape's vertex
/// order and the largest deviation; None when it is no candidate shape.
fn name_group(angles: &[Vec<f64>]) -> Option<(String, Vec<usize>, f64)> {
    ideals(angles.len())
        .iter()
        .find_map(|ideal| match_shape(angles, ideal).map(|(o, d)| (ideal.name.clone(), o, d)))
}

/// Feature i's embedding W_i (column i of W, m × n row-major).
fn column(w: &[f32], n: usize, m: usize, i: usize) -> Vec<f32> {
    (0..m).map(|j| w[j * n + i]).collect()
}

/// Connected components of the graph on `0..k` with `edge(a, b)`, each sorted, in order of their first
/// node.
fn components(k: usize, edge: impl Fn(usize, usize) -> bool) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..k).collect();
    fn root(parent: &mut [usize], mut a: usize) -> usize {
        while parent[a] != a {
            parent[a] = parent[parent[a]];
            a = parent[a];
        }
        a
    }
    for a in 0..k {
        for b in a + 1..k {
            if edge(a, b) {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                if ra != rb {
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = vec![];
    let mut index_of = vec![usize::MAX; k];
    for a in 0..k {
        let r = root(&mut parent, a);
        if index_of[r] == usize::MAX {
            index_of[r] = groups.len();
            groups.push(vec![]);
        }
        groups[index_of[r]].push(a);
    }
    groups
}

/// One group of interacting features and the shape it forms.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Part {
    /// "pentagon", "antipodal pair", …, or "irregular".
    pub shape: String,
    /// Its features, in the shape's vertex order when it has a name (around a polygon, …).
    pub features: Vec<usize>,
    /// The largest difference, in degrees, between an angle and the shape's (0 when irregular).
    pub deviation: f64,
}

/// The named arrangement of a tied model with m ≤ 3 (see the module's documentation).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Arrangement {
    /// "pentagon", "2 dedicated directions", "square (2 antipodal pairs)", "irregular", …
    pub name: String,
    pub parts: Vec<Part>,
    /// The represented features (‖W_i‖ ≥ `REPRESENTED_NORM`), the only ones named.
    pub represented: Vec<usize>,
    pub superposition: bool,
    /// "superposition" or "no superposition".
    pub badge: &'static str,
    /// Why the badge says what it says: "5 features represented in 2 dimensions", …
    pub reason: String,
    /// The largest deviation over the named parts, in degrees.
    pub deviation: f64,
}

fn plural_shape(shape: &str, count: usize) -> String {
    match (count, shape) {
        (1, _) => shape.to_string(),
        (_, "tetrahedron") => format!("{count} tetrahedra"),
        _ => format!("{count} {shape}s"),
    }
}

/// The arrangement of the features of W (m × n, row-major), or Err saying why there is none: only
/// for m ≤ 3 (the hidden space a person can see).
pub fn arrangement(w: &[f32], n: usize, m: usize) -> Result<Arrangement, String> {
    if m > 3 {
        return Err(format!(
            "shapes are named for m ≤ 3 hidden dimensions; this model has m = {m} (see the feature-geometry graph)"
        ));
    }
    let columns: Vec<Vec<f32>> = (0..n).map(|i| column(w, n, m, i)).collect();
    let norms: Vec<f64> = columns.iter().map(|c| (sum_sq(c) as f64).sqrt()).collect();
    let represented: Vec<usize> = (0..n)
        .filter(|&i| norms[i] >= REPRESENTED_NORM as f64)
        .collect();
    let k = represented.len();
    // Angles between the represented features' directions (in f64: acos is steep near ±1).
    let angles: Vec<Vec<f64>> = represented
        .iter()
        .map(|&a| {
            represented
                .iter()
                .map(|&b| {
                    let d: f64 = columns[a]
                        .iter()
                        .zip(&columns[b])
                        .map(|(&x, &y)| x as f64 * y as f64)
                        .sum();
                    angle_deg(d / (norms[a] * norms[b]))
                })
                .collect()
        })
        .collect();
    let interact = |a: usize, b: usize| (angles[a][b] - 90.0).abs() > ANGLE_TOL;
    let groups = components(k, interact);
    let mut parts = vec![];
    let mut deviation = 0.0f64;
    for g in &groups {
        let sub: Vec<Vec<f64>> = g
            .iter()
            .map(|&a| g.iter().map(|&b| angles[a][b]).collect())
            .collect();
        parts.push(match name_group(&sub) {
            Some((shape, order, d)) => {
                deviation = deviation.max(d);
                Part {
                    shape,
                    features: order.iter().map(|&o| represented[g[o]]).collect(),
                    deviation: d,
                }
            }
            None => Part {
                shape: "irregular".into(),
                features: g.iter().map(|&a| represented[a]).collect(),
                deviation: 0.0,
            },
        });
    }
    let count = |shape: &str| parts.iter().filter(|p| p.shape == shape).count();
    let name = if k == 0 {
        "no features represented".to_string()
    } else if count("irregular") > 0 {
        "irregular".to_string()
    } else if count("dedicated direction") == parts.len() {
        plural_shape("dedicated direction", k)
    } else if count("antipodal pair") == parts.len() && parts.len() == m && m >= 2 {
        let solid = if m == 2 { "square" } else { "octahedron" };
        format!("{solid} ({m} antipodal pairs)")
    } else {
        // Larger groups first, then in order of their first feature.
        let mut shapes: Vec<(&str, usize, usize)> = vec![];
        for p in &parts {
            match shapes.iter_mut().find(|(s, _, _)| *s == p.shape) {
                Some(entry) => entry.1 += 1,
                None => shapes.push((&p.shape, 1, p.features.len())),
            }
        }
        shapes.sort_by_key(|s| core::cmp::Reverse(s.2));
        shapes
            .iter()
            .map(|(s, c, _)| plural_shape(s, *c))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    // The badge: more features than dimensions, or two that interact.
    let mut worst: Option<(usize, usize, f64)> = None;
    for a in 0..k {
        for b in a + 1..k {
            let off = (angles[a][b] - 90.0).abs();
            if interact(a, b) && worst.is_none_or(|w| off > (w.2 - 90.0).abs()) {
                worst = Some((represented[a], represented[b], angles[a][b]));
            }
        }
    }
    let superposition = k > m || worst.is_some();
    let reason = if k > m {
        format!("{k} features represented in {m} dimensions")
    } else if let Some((a, b, angle)) = worst {
        format!("features {a} and {b} share a direction: {angle:.0}° apart, not 90°")
    } else if k == 0 {
        "no feature is represented".to_string()
    } else {
        format!(
            "{k} feature{} represented, each in its own direction",
            if k == 1 { "" } else { "s" }
        )
    };
    Ok(Arrangement {
        name,
        parts,
        represented,
        superposition,
        badge: if superposition {
            "superposition"
        } else {
            "no superposition"
        },
        reason,
        deviation,
    })
}

/// The paper's fractions of a dimension per feature and the shape each stands for: (value, text,
/// shape, how many features that shape has).
pub fn fractions() -> Vec<(f32, String, String, usize)> {
    let mut out = vec![
        (1.0, "1".to_string(), "dedicated dimension".to_string(), 1),
        (0.75, "3/4".into(), "tetrahedron".into(), 4),
        (2.0 / 3.0, "2/3".into(), "triangle".into(), 3),
        (0.5, "1/2".into(), "antipodal pair".into(), 2),
        (0.4, "2/5".into(), "pentagon".into(), 5),
        (0.375, "3/8".into(), "square antiprism".into(), 8),
    ];
    for k in 6..=12 {
        out.push((2.0 / k as f32, format!("2/{k}"), polygon_name(k), k));
    }
    out
}

/// An edge of the feature-geometry graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Edge {
    pub a: usize,
    pub b: usize,
    /// |W_a · W_b|
    pub weight: f32,
}

/// A connected component of the feature-geometry graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Component {
    /// Its features, in index order.
    pub features: Vec<usize>,
    /// D_i of each, in the same order.
    pub dimensionality: Vec<f32>,
    pub mean_dimensionality: f32,
    /// The paper's fraction nearest the mean: "2/5".
    pub fraction: String,
    pub fraction_value: f32,
    /// |mean − fraction|
    pub distance: f32,
    /// The shape the fraction stands for, when the component has that many features ("pentagon").
    pub fraction_shape: Option<String>,
    /// The shape the features' angles form (as in [`arrangement`]), if any.
    pub shape: Option<String>,
}

/// The paper's feature-geometry graph (see the module's documentation).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureGraph {
    /// The edge cut on |W_i · W_j|, and the norm a feature needs to be a node.
    pub edge_cut: f32,
    pub represented_norm: f32,
    /// The edges, strongest first, at most `MAX_EDGES` of them.
    pub edges: Vec<Edge>,
    /// How many edges there are in all.
    pub edge_count: usize,
    /// Largest first, then by first feature.
    pub components: Vec<Component>,
    /// Features too weak to be nodes (‖W_i‖ < `REPRESENTED_NORM`).
    pub not_represented: Vec<usize>,
}

/// The feature-geometry graph of W (m × n, row-major), with `metrics` the same weights' feature
/// metrics (for the norms and D_i). Costs one dot product per pair of represented features, as the
/// metrics themselves do.
pub fn feature_graph(w: &[f32], n: usize, m: usize, metrics: &FeatureMetrics) -> FeatureGraph {
    let nodes: Vec<usize> = (0..n)
        .filter(|&i| metrics.norms[i] >= REPRESENTED_NORM)
        .collect();
    let not_represented = (0..n)
        .filter(|&i| metrics.norms[i] < REPRESENTED_NORM)
        .collect();
    let columns: Vec<Vec<f32>> = nodes.iter().map(|&i| column(w, n, m, i)).collect();
    let k = nodes.len();
    let mut dots = vec![0.0f32; k * k];
    for a in 0..k {
        for b in a + 1..k {
            let d = dot(&columns[a], &columns[b]).abs();
            dots[a * k + b] = d;
            dots[b * k + a] = d;
        }
    }
    let edge = |a: usize, b: usize| dots[a * k + b] >= EDGE_CUT;
    let mut edges = vec![];
    for a in 0..k {
        for b in a + 1..k {
            if edge(a, b) {
                edges.push(Edge {
                    a: nodes[a],
                    b: nodes[b],
                    weight: dots[a * k + b],
                });
            }
        }
    }
    let edge_count = edges.len();
    edges.sort_by(|x, y| {
        y.weight
            .total_cmp(&x.weight)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    edges.truncate(MAX_EDGES);
    let fractions = fractions();
    let mut components: Vec<Component> = components(k, edge)
        .into_iter()
        .map(|g| {
            let features: Vec<usize> = g.iter().map(|&a| nodes[a]).collect();
            let dimensionality: Vec<f32> = features
                .iter()
                .map(|&i| metrics.dimensionality[i])
                .collect();
            let mean = dimensionality.iter().sum::<f32>() / dimensionality.len() as f32;
            let (value, text, shape, count) = fractions
                .iter()
                .min_by(|x, y| (x.0 - mean).abs().total_cmp(&(y.0 - mean).abs()))
                .expect("there are fractions");
            let shape_of_angles = (g.len() <= MAX_POLYGON).then(|| {
                let angles: Vec<Vec<f64>> = g
                    .iter()
                    .map(|&a| {
                        g.iter()
                            .map(|&b| {
                                let d: f64 = columns[a]
                                    .iter()
                                    .zip(&columns[b])
                                    .map(|(&x, &y)| x as f64 * y as f64)
                                    .sum();
                                let na = metrics.norms[nodes[a]] as f64;
                                let nb = metrics.norms[nodes[b]] as f64;
                                angle_deg(d / (na * nb))
                            })
                            .collect()
                    })
                    .collect();
                name_group(&angles).map(|(name, _, _)| name)
            });
            Component {
                dimensionality,
                mean_dimensionality: mean,
                fraction: text.clone(),
                fraction_value: *value,
                distance: (mean - value).abs(),
                fraction_shape: (features.len() == *count).then(|| shape.clone()),
                shape: shape_of_angles.flatten(),
                features,
            }
        })
        .collect();
    components.sort_by(|x, y| {
        y.features
            .len()
            .cmp(&x.features.len())
            .then(x.features[0].cmp(&y.features[0]))
    });
    FeatureGraph {
        edge_cut: EDGE_CUT,
        represented_norm: REPRESENTED_NORM,
        edges,
        edge_count,
        components,
        not_represented,
    }
}

/// A model's named geometry: its arrangement when it has one, and its feature-geometry graph.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Geometry {
    pub arrangement: Option<Arrangement>,
    /// Why there is no arrangement (m > 3, or `abs`), when there is none.
    pub no_arrangement: Option<String>,
    /// None when it would cost more than the caller allows (`no_graph` says so).
    pub graph: Option<FeatureGraph>,
    pub no_graph: Option<String>,
}

/// What the feature-geometry graph costs: one m-long dot product per pair of represented features, in
/// multiply-adds.
pub fn graph_cost(metrics: &FeatureMetrics, m: usize) -> f64 {
    let k = metrics
        .norms
        .iter()
        .filter(|&&v| v >= REPRESENTED_NORM)
        .count() as f64;
    k * (k - 1.0).max(0.0) / 2.0 * m as f64
}

/// The geometry of W (W₁ for `abs`: m × n, row-major) with its feature metrics. `tied`: W is used in
/// both directions (all models but `abs`); only then is the arrangement named, since `abs`'s features
/// are read through neurons rather than placed as directions in a space. The graph is left out when
/// [`graph_cost`] is over `max_cost` multiply-adds.
pub fn geometry(
    w: &[f32],
    n: usize,
    m: usize,
    tied: bool,
    metrics: &FeatureMetrics,
    max_cost: f64,
) -> Geometry {
    let (arrangement, no_arrangement) = if tied {
        match arrangement(w, n, m) {
            Ok(a) => (Some(a), None),
            Err(e) => (None, Some(e)),
        }
    } else {
        (
            None,
            Some(
                "shapes are named for the tied models; abs reads its features through neurons"
                    .into(),
            ),
        )
    };
    let cost = graph_cost(metrics, m);
    let (graph, no_graph) = if cost <= max_cost {
        (Some(feature_graph(w, n, m, metrics)), None)
    } else {
        (
            None,
            Some(format!(
                "the feature-geometry graph of this model takes {cost:.1e} multiply-adds, more than the {max_cost:.0e} allowed here; each feature's Dᵢ is still in the metrics"
            )),
        )
    };
    Geometry {
        arrangement,
        no_arrangement,
        graph,
        no_graph,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::metrics;

    /// W (m × n, row-major) with column i = `directions[i]` scaled by `norms[i]`.
    fn w_of(directions: &[Vec<f64>], norms: &[f64]) -> (Vec<f32>, usize, usize) {
        let (n, m) = (directions.len(), directions[0].len());
        let mut w = vec![0.0f32; m * n];
        for (i, d) in directions.iter().enumerate() {
            for j in 0..m {
                w[j * n + i] = (d[j] * norms[i]) as f32;
            }
        }
        (w, n, m)
    }

    fn at_angles(degrees: &[f64]) -> Vec<Vec<f64>> {
        degrees
            .iter()
            .map(|d| {
                let t = d.to_radians();
                vec![t.cos(), t.sin()]
            })
            .collect()
    }

    fn named(directions: &[Vec<f64>], norms: &[f64]) -> Arrangement {
        let (w, n, m) = w_of(directions, norms);
        arrangement(&w, n, m).unwrap()
    }

    #[test]
    fn a_pentagon_is_named_in_any_order_and_badged_superposition() {
        // Five features 72° apart, listed out of order, slightly off (3°) and of unequal norms.
        let a = named(
            &at_angles(&[0.0, 147.0, 72.0, 288.0, 216.0]),
            &[1.0, 0.9, 1.1, 1.0, 0.95],
        );
        assert_eq!(a.name, "pentagon");
        assert_eq!(a.badge, "superposition");
        assert_eq!(a.reason, "5 features represented in 2 dimensions");
        assert_eq!(a.parts.len(), 1);
        // In vertex order: neighbours around the pentagon.
        let order = &a.parts[0].features;
        assert_eq!(order[0], 0);
        assert!(order[1] == 2 || order[1] == 3, "{order:?}");
        assert!((a.deviation - 3.0).abs() < 0.01, "{}", a.deviation);
        // Its features have D_i = 2/5: the graph's one component says so.
        let (w, n, m) = w_of(&at_angles(&[0.0, 144.0, 72.0, 288.0, 216.0]), &[1.0; 5]);
        let g = feature_graph(&w, n, m, &metrics::features(&w, n, m));
        assert_eq!(g.components.len(), 1);
        let c = &g.components[0];
        assert_eq!(c.features, vec![0, 1, 2, 3, 4]);
        assert_eq!(c.fraction, "2/5");
        assert_eq!(c.fraction_shape.as_deref(), Some("pentagon"));
        assert_eq!(c.shape.as_deref(), Some("pentagon"));
        assert!(c.distance < 1e-4, "{}", c.distance);
        assert_eq!(
            g.edge_count, 10,
            "every pair of a pentagon overlaps (cos 72° = 0.31)"
        );
    }

    #[test]
    fn a_pentagon_bent_by_more_than_the_tolerance_is_irregular() {
        // One feature 15° off its place: 57° and 87° from its neighbours.
        let a = named(&at_angles(&[0.0, 72.0, 159.0, 216.0, 288.0]), &[1.0; 5]);
        assert_eq!(a.name, "irregular");
        assert_eq!(a.badge, "superposition");
        // Five features at random-looking angles.
        let a = named(&at_angles(&[0.0, 40.0, 100.0, 200.0, 250.0]), &[1.0; 5]);
        assert_eq!(a.name, "irregular");
    }

    #[test]
    fn antipodal_pairs_are_a_square_in_2d_and_an_octahedron_in_3d() {
        let a = named(&at_angles(&[0.0, 180.0, 90.0, 270.0]), &[1.0; 4]);
        assert_eq!(a.name, "square (2 antipodal pairs)");
        assert_eq!(
            a.parts.iter().map(|p| p.shape.as_str()).collect::<Vec<_>>(),
            ["antipodal pair"; 2]
        );
        assert_eq!(a.badge, "superposition");
        // One pair and a dedicated direction in 2-D (three features in two dimensions).
        let a = named(&at_angles(&[5.0, 185.0, 95.0]), &[1.0; 3]);
        assert_eq!(a.name, "antipodal pair + dedicated direction");
        assert_eq!(a.reason, "3 features represented in 2 dimensions");
        // One pair alone, and a weak feature (‖W‖ = 0.1) that is not named.
        let a = named(&at_angles(&[0.0, 180.0, 60.0]), &[1.0, 1.0, 0.1]);
        assert_eq!(a.name, "antipodal pair");
        assert_eq!(a.represented, vec![0, 1]);
        assert_eq!(a.badge, "superposition");
        assert_eq!(
            a.reason,
            "features 0 and 1 share a direction: 180° apart, not 90°"
        );
        // Three pairs on the axes of 3-D.
        let axes = |s: f64| vec![vec![s, 0.0, 0.0], vec![0.0, s, 0.0], vec![0.0, 0.0, s]];
        let mut six = axes(1.0);
        six.extend(axes(-1.0));
        assert_eq!(
            named(&six, &[1.0; 6]).name,
            "octahedron (3 antipodal pairs)"
        );
        // And two pairs in 3-D, the third axis unused.
        let four = vec![
            six[0].clone(),
            six[3].clone(),
            six[1].clone(),
            six[4].clone(),
        ];
        assert_eq!(named(&four, &[1.0; 4]).name, "2 antipodal pairs");
    }

    #[test]
    fn a_tetrahedron_and_a_square_antiprism_are_named_in_3d() {
        let s = 1.0 / 3f64.sqrt();
        let tetra = vec![
            vec![s, s, s],
            vec![-s, -s, s],
            vec![-s, s, -s],
            vec![s, -s, -s],
        ];
        let a = named(&tetra, &[1.0; 4]);
        assert_eq!(a.name, "tetrahedron");
        assert_eq!(a.badge, "superposition");
        let (w, n, m) = w_of(&tetra, &[1.0; 4]);
        let g = feature_graph(&w, n, m, &metrics::features(&w, n, m));
        assert_eq!(g.components[0].fraction, "3/4");
        assert_eq!(
            g.components[0].fraction_shape.as_deref(),
            Some("tetrahedron")
        );
        // The square antiprism, rotated about z so nothing lines up with the axes.
        let (r, h) = ((2.0f64 / 3.0).sqrt(), (1.0f64 / 3.0).sqrt());
        let anti: Vec<Vec<f64>> = (0..8)
            .map(|a| {
                let t = (45.0 * a as f64 + 10.0).to_radians();
                vec![r * t.cos(), r * t.sin(), if a % 2 == 0 { h } else { -h }]
            })
            .collect();
        assert_eq!(named(&anti, &[1.0; 8]).name, "square antiprism");
        let (w, n, m) = w_of(&anti, &[1.0; 8]);
        let d = metrics::features(&w, n, m);
        assert!(
            d.dimensionality.iter().all(|v| (v - 0.375).abs() < 1e-4),
            "{:?}",
            d.dimensionality
        );
        let g = feature_graph(&w, n, m, &d);
        assert_eq!(g.components[0].fraction, "3/8");
        assert_eq!(g.components[0].shape.as_deref(), Some("square antiprism"));
        // A triangle in the xy-plane and a dedicated direction along z: the triangle's tegum product
        // with a line.
        let mut tri: Vec<Vec<f64>> = at_angles(&[90.0, 210.0, 330.0])
            .into_iter()
            .map(|mut v| {
                v.push(0.0);
                v
            })
            .collect();
        tri.push(vec![0.0, 0.0, 1.0]);
        assert_eq!(
            named(&tri, &[1.0; 4]).name,
            "triangle + dedicated direction"
        );
    }

    #[test]
    fn orthogonal_features_are_dedicated_directions_without_superposition() {
        let a = named(&at_angles(&[20.0, 110.0]), &[1.0, 0.8]);
        assert_eq!(a.name, "2 dedicated directions");
        assert_eq!(a.badge, "no superposition");
        assert!(!a.superposition);
        assert_eq!(
            a.reason,
            "2 features represented, each in its own direction"
        );
        assert!(a.parts.iter().all(|p| p.shape == "dedicated direction"));
        // The paper's dense intro: two features learned, three not.
        let a = named(
            &at_angles(&[0.0, 90.0, 30.0, 60.0, 200.0]),
            &[1.0, 1.0, 0.02, 0.0, 0.3],
        );
        assert_eq!(a.name, "2 dedicated directions");
        assert_eq!(a.represented, vec![0, 1]);
        assert_eq!(a.badge, "no superposition");
        // Nothing learned.
        let a = named(&at_angles(&[0.0, 90.0]), &[0.0, 0.0]);
        assert_eq!(a.name, "no features represented");
        assert_eq!(a.badge, "no superposition");
        // 82° apart (within 10° of orthogonal): still dedicated; 75° is not.
        assert_eq!(
            named(&at_angles(&[0.0, 82.0]), &[1.0; 2]).badge,
            "no superposition"
        );
        let a = named(&at_angles(&[0.0, 75.0]), &[1.0; 2]);
        assert_eq!((a.name.as_str(), a.badge), ("irregular", "superposition"));
    }

    #[test]
    fn polygons_from_a_triangle_to_sixteen_sides_are_named() {
        for k in [3, 5, 6, 7, 9, 12, 16] {
            let degrees: Vec<f64> = (0..k)
                .map(|a| 360.0 * ((a * 11) % k) as f64 / k as f64)
                .collect();
            let a = named(&at_angles(&degrees), &vec![1.0; k]);
            assert_eq!(a.name, polygon_name(k), "k = {k}");
        }
        assert_eq!(polygon_name(16), "regular 16-gon");
    }

    #[test]
    fn larger_models_have_no_arrangement_but_a_graph_of_orthogonal_components() {
        // m = 6: a tetrahedron in dims 0–2, an antipodal pair in dim 3, a dedicated direction in dim 4,
        // and two unlearned features.
        let s = 1.0 / 3f64.sqrt();
        let mut dirs = vec![vec![0.0; 6]; 9];
        for (f, v) in [[s, s, s], [-s, -s, s], [-s, s, -s], [s, -s, -s]]
            .iter()
            .enumerate()
        {
            dirs[f][..3].copy_from_slice(v);
        }
        dirs[4][3] = 1.0;
        dirs[5][3] = -1.0;
        dirs[6][4] = 1.0;
        dirs[7][5] = 1.0;
        dirs[8][0] = 1.0;
        let (w, n, m) = w_of(&dirs, &[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.05, 0.0]);
        let d = metrics::features(&w, n, m);
        let geo = geometry(&w, n, m, true, &d, f64::INFINITY);
        assert!(geo.arrangement.is_none());
        assert!(geo.no_arrangement.unwrap().contains("m = 6"));
        let g = geo.graph.unwrap();
        assert_eq!(g.not_represented, vec![7, 8]);
        let summary: Vec<(Vec<usize>, &str, Option<&str>)> = g
            .components
            .iter()
            .map(|c| (c.features.clone(), c.fraction.as_str(), c.shape.as_deref()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (vec![0, 1, 2, 3], "3/4", Some("tetrahedron")),
                (vec![4, 5], "1/2", Some("antipodal pair")),
                (vec![6], "1", Some("dedicated direction")),
            ]
        );
        assert_eq!(g.edge_count, 6 + 1);
        assert!((g.edges[0].weight - 1.0).abs() < 1e-6 && (g.edges[0].a, g.edges[0].b) == (4, 5));
        // abs: no arrangement either, the same graph.
        let geo = geometry(&w, n, m, false, &d, f64::INFINITY);
        assert!(geo.graph.is_some());
        assert!(geo.arrangement.is_none() && geo.no_arrangement.unwrap().contains("abs"));
        // Over the budget: no graph, and the reason.
        assert_eq!(
            graph_cost(&d, m),
            21.0 * 6.0,
            "7 represented features, 21 pairs of 6-long dots"
        );
        let geo = geometry(&w, n, m, true, &d, 100.0);
        assert!(geo.graph.is_none() && geo.no_graph.unwrap().contains("1.3e2 multiply-adds"));
    }
}
