//! Weights in and out: a run as safetensors, .npz or the JSON export, and weights trained anywhere
//! (the authors' notebook, ARENA's course, your own PyTorch or numpy code) read back into a run that
//! every view, metric and the trainer work on.
//!
//! # Tensor names and layout (safetensors and .npz)
//!
//! The notebook keeps one parameter tensor per name with a leading instance dimension and computes
//! `hidden = einsum("...if,ifh->...ih", x, W)`, `out = relu(einsum("...ih,ifh->...if", hidden, W) +
//! b_final)`: its `W[instances, n, m]` holds, for instance k, feature i's embedding W_i as row i.
//! The export uses exactly those names and that layout with the instance dimension dropped, so that
//! `x @ W` is h:
//!
//! | name      | shape  | meaning                                                        |
//! |-----------|--------|----------------------------------------------------------------|
//! | `W`       | [n, m] | tied models: h = x @ W, x' = h @ W.T + b_final (the paper's Wᵀ) |
//! | `W1`      | [n, m] | `abs`: h = relu(x @ W1) (the paper's W₁ᵀ)                      |
//! | `W2`      | [m, n] | `abs`: y' = relu(h @ W2 + b_final) (the paper's W₂ᵀ)           |
//! | `b_final` | [n]    | the output bias b                                              |
//! | `b_h`     | [m]    | relu-hidden's hidden bias: h = relu(x @ W + b_h), when it has one |
//!
//! The notebook has no `abs` model; `W1` and `W2` follow its convention (the row index is the input
//! of `@`), as ARENA's and most replications' `W1[instances, n, m]`, `W2[instances, m, n]` do.
//! The JSON export keeps the paper's shapes instead (`W` m × n, see [`crate::app::export`]).
//!
//! Reading accepts the same names with or without the instance dimension (`W[instances, n, m]`,
//! `b_final[instances, n]`; the person picks the instance, default 0), and the transposed, paper
//! layout (`W[m, n]`) when the biases tell which dimension is n: `b_final` has n values, `b_h` m. A
//! square W, or one with no bias beside it, is read in the notebook's layout and the notice says so.
//! Tensors are float32; float64 is converted (with a notice); anything else is refused.
//!
//! # Limits
//!
//! Bad files get one message saying what is wrong, and nothing else happens (the caller keeps its
//! run): files over [`MAX_FILE_BYTES`], a safetensors header claiming more bytes than the file has,
//! truncated data, integer or half-precision dtypes, unknown tensor names, shapes that fit no model,
//! NaN, infinite or absurd (> [`MAX_WEIGHT`]) values, and .npz archives whose entries would inflate
//! past [`MAX_UNPACKED_BYTES`] (checked against the sizes the archive declares before inflating, and
//! against the bytes actually inflated while reading, so a lying size stops at the cap).

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read, Write};

use ndarray::{ArrayD, ArrayView2, Axis, Dimension, IxDyn};
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::Serialize;
use serde_json::Value;

use crate::app::export::{config_json, ConfigJson};
use crate::core::config::{Config, ModelKind};
use crate::core::kernels::fingerprint;
use crate::core::model::Layout;
use crate::core::settings::{setting, M_MAX, N_MAX};
use crate::core::training::Trainer;

/// Files larger than this are not read (the largest model, abs n = m = 1000, is 8 MB of float32;
/// this leaves room for several instances of it).
pub const MAX_FILE_BYTES: usize = 64 << 20;
/// The most an .npz's arrays may inflate to, all entries together.
pub const MAX_UNPACKED_BYTES: u64 = 64 << 20;
/// How much a reader takes: the command line takes [`MAX_FILE_BYTES`]; a browser tab less, so that
/// reading (and inflating) a file stays within the ~50 ms a task on the page may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub file_bytes: usize,
    pub unpacked_bytes: u64,
    /// Where larger files can be opened, for the message.
    pub elsewhere: &'static str,
}

impl Limits {
    pub const COMMAND_LINE: Limits = Limits {
        file_bytes: MAX_FILE_BYTES,
        unpacked_bytes: MAX_UNPACKED_BYTES,
        elsewhere: "",
    };
    /// Measured in wasm (Node 20, this 2-core machine): reading costs about 2–7 ms per MiB of
    /// safetensors or stored .npz and about 22 ms per MiB inflated of a compressed .npz, so 2 MiB is
    /// under ~50 ms for any of them. 2 MiB holds one abs model of n = m = 350 or many small instances.
    pub const PAGE: Limits = Limits {
        file_bytes: 2 << 20,
        unpacked_bytes: 2 << 20,
        elsewhere: "; open larger files with 'tms inspect FILE' or 'tms render --weights FILE'",
    };
}

/// The most entries an .npz may have (the export has six at most).
pub const MAX_ENTRIES: usize = 64;
/// Weights larger than this in absolute value are refused: no trained toy model comes near, and
/// their squares (in the metrics) would overflow float32.
pub const MAX_WEIGHT: f32 = 1e6;

/// What the export's metadata calls its layout, so a reader of the file can tell without this code.
pub const LAYOUT: &str = "notebook: W [n, m] (h = x @ W, x' = h @ W.T + b_final); abs: W1 [n, m] \
                          (h = relu(x @ W1)), W2 [m, n] (y' = relu(h @ W2 + b_final)); b_h [m]";
/// The `format` entry of the export's metadata.
pub const FORMAT_TAG: &str = "tms-explorer weights 1";

const NAMES: [&str; 5] = ["W", "W1", "W2", "b_final", "b_h"];

/// A file format for weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Safetensors,
    Npz,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Safetensors, Format::Npz, Format::Json];

    pub fn id(self) -> &'static str {
        match self {
            Format::Safetensors => "safetensors",
            Format::Npz => "npz",
            Format::Json => "json",
        }
    }

    pub fn from_id(id: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == id)
    }

    /// The format a file name's extension names (`run.safetensors`, `W.NPZ`, `export.json`).
    pub fn of_file(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        Format::from_id(&ext)
    }

    /// The format the first bytes look like, for a file whose name says nothing.
    fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
            Some(Format::Npz)
        } else if bytes.len() >= 9 && bytes[8] == b'{' {
            Some(Format::Safetensors)
        } else if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            Some(Format::Json)
        } else {
            None
        }
    }
}

/// The export's metadata, also what the .npz's `metadata` entry holds (as JSON).
#[derive(Serialize)]
struct Metadata {
    format: &'static str,
    layout: &'static str,
    config: ConfigJson,
    step: u64,
    fingerprint: String,
}

/// The run's parameters in the notebook's names and shapes (see the module doc), row-major.
fn notebook_tensors(trainer: &Trainer) -> Vec<(&'static str, Vec<usize>, Vec<f32>)> {
    let w = trainer.weights();
    let (n, m) = (w.model.n, w.model.m);
    // The paper's W is m × n (row j = neuron j); the notebook's [n, m] is its transpose.
    let transposed: Vec<f32> = w.w_matrix().t().iter().copied().collect();
    let mut out = vec![];
    match w.w2_matrix() {
        None => out.push(("W", vec![n, m], transposed)),
        Some(w2) => {
            out.push(("W1", vec![n, m], transposed));
            // The notebook's W2 [m, n] is the paper's W₂ (n × m) transposed.
            out.push(("W2", vec![m, n], w2.t().iter().copied().collect()));
        }
    }
    out.push(("b_final", vec![n], w.b().to_vec()));
    if let Some(b_h) = w.b_h() {
        out.push(("b_h", vec![m], b_h.to_vec()));
    }
    out
}

fn metadata(trainer: &Trainer) -> Metadata {
    Metadata {
        format: FORMAT_TAG,
        layout: LAYOUT,
        config: config_json(trainer.config()),
        step: trainer.step_count(),
        fingerprint: trainer.fingerprint(),
    }
}

/// The run's current weights as a file of `format`.
pub fn export(trainer: &Trainer, format: Format) -> Vec<u8> {
    match format {
        Format::Json => crate::app::export::run_json(trainer).into_bytes(),
        Format::Safetensors => export_safetensors(trainer),
        Format::Npz => export_npz(trainer),
    }
}

fn export_safetensors(trainer: &Trainer) -> Vec<u8> {
    let tensors = notebook_tensors(trainer);
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, _, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let views: Vec<(&str, TensorView)> = tensors
        .iter()
        .zip(&bytes)
        .map(|((name, shape, _), data)| {
            (
                *name,
                TensorView::new(Dtype::F32, shape.clone(), data).expect("shape matches data"),
            )
        })
        .collect();
    let meta = metadata(trainer);
    let info: HashMap<String, String> = [
        ("format", meta.format.to_string()),
        ("layout", meta.layout.to_string()),
        (
            "config",
            serde_json::to_string(&meta.config).expect("plain data"),
        ),
        ("step", meta.step.to_string()),
        ("fingerprint", meta.fingerprint.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut file = safetensors::serialize(views, Some(info)).expect("valid tensors serialise");
    sort_header(&mut file);
    file
}

/// Writes the safetensors header's JSON with its keys sorted, in place: the crate writes its metadata
/// from a `HashMap`, whose order changes from run to run, and the same run should give the same bytes.
/// (The same keys and values in another order have the same length.)
fn sort_header(file: &mut [u8]) {
    let len = u64::from_le_bytes(file[..8].try_into().expect("8 bytes")) as usize;
    let header = &file[8..8 + len];
    let text_len = header.iter().rposition(|&c| c != b' ').map_or(0, |k| k + 1);
    // serde_json's map is ordered by key.
    let Ok(value) = serde_json::from_slice::<Value>(&header[..text_len]) else {
        return;
    };
    let sorted = serde_json::to_vec(&value).expect("plain data");
    if sorted.len() == text_len {
        file[8..8 + text_len].copy_from_slice(&sorted);
    }
}

fn export_npz(trainer: &Trainer) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    // Stored, as numpy.savez writes (no compression; fixed timestamps, so the same run gives the
    // same bytes).
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, shape, values) in notebook_tensors(trainer) {
        let array = ArrayD::from_shape_vec(IxDyn(&shape), values).expect("shape matches data");
        let mut npy = vec![];
        array.write_npy(&mut npy).expect("writing to memory");
        zip.start_file(format!("{name}.npy"), options)
            .expect("writing to memory");
        zip.write_all(&npy).expect("writing to memory");
    }
    let json = serde_json::to_string(&metadata(trainer)).expect("plain data");
    zip.start_file("metadata.npy", options)
        .expect("writing to memory");
    zip.write_all(&npy_string(&json))
        .expect("writing to memory");
    zip.finish().expect("writing to memory").into_inner()
}

/// A 0-d numpy unicode array (`<U{len}`, UTF-32 little-endian) holding `text`: `str(npz["metadata"])`
/// gives the text back in Python. ndarray-npy writes numbers only, so the header is its `Header` and
/// the data is written here.
fn npy_string(text: &str) -> Vec<u8> {
    use ndarray_npy::npy::header::{Header, Layout as NpyLayout};
    let chars: Vec<char> = text.chars().collect();
    let header = Header {
        type_descriptor: py_literal::Value::String(format!("<U{}", chars.len().max(1))),
        layout: NpyLayout::Standard,
        shape: vec![],
    };
    let mut out = header.to_bytes().expect("a small header");
    for c in &chars {
        out.extend_from_slice(&(*c as u32).to_le_bytes());
    }
    if chars.is_empty() {
        out.extend_from_slice(&[0; 4]);
    }
    out
}

/// What the person chose for a file that leaves it open: which instance, which model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Choice {
    /// The instance of a notebook file's leading dimension (default 0).
    pub instance: Option<usize>,
    /// The model the weights are for, when the tensors do not say (a tied W fits three).
    pub model: Option<ModelKind>,
}

/// Weights read from a file, ready to become a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    pub model: ModelKind,
    pub n: usize,
    pub m: usize,
    pub hidden_bias: bool,
    /// The flat parameters, `[W or W₁ | W₂ᵀ | b | b_h]` (see [`Layout`]).
    pub params: Vec<f32>,
    /// The settings the file carries (the explorer's own exports), read through the settings table.
    pub file_config: Option<Config>,
    /// The step the file was exported at, when it says.
    pub step: Option<u64>,
    /// What was read, in one line: "W [10, 5, 2]: instance 3 of 10, n = 5, m = 2, relu-output
    /// assumed; set the model if it is another".
    pub description: String,
    /// What was converted, assumed or ignored, in words.
    pub notices: Vec<String>,
}

impl Import {
    /// The run's settings: `base` for everything the weights do not fix (the file's own settings
    /// when `base` is None, else the defaults), with the model and shape of the weights. Adjustments
    /// come back in words.
    pub fn config(&self, base: Option<&Config>) -> (Config, Vec<String>) {
        let mut c = base
            .or(self.file_config.as_ref())
            .cloned()
            .unwrap_or_default();
        let mut notices = vec![];
        c.model = self.model;
        c.n = self.n;
        c.m = self.m;
        c.hidden_bias = self.hidden_bias;
        if c.density.len() != 1 && c.density.len() != self.n {
            notices.push(format!(
                "density: {} values for n = {} features; using the first, {}, for every feature",
                c.density.len(),
                self.n,
                c.density[0]
            ));
            c.density.truncate(1);
        }
        (c, notices)
    }

    /// A trainer whose step 0 is these weights ([`Trainer::from_params`]: fresh AdamW, the config's
    /// data stream), with the settings of [`Import::config`].
    pub fn trainer(&self, base: Option<&Config>) -> Result<Trainer, String> {
        Trainer::from_params(self.config(base).0, self.params.clone())
    }
}

/// One tensor as read, in logical (C) order.
struct Tensor {
    name: String,
    array: ArrayD<f32>,
    /// It was float64 in the file.
    converted: bool,
}

/// How a file lays out its matrices.
#[derive(Clone, Copy, PartialEq)]
enum Orientation {
    /// The notebook's names and shapes (safetensors, .npz): W [n, m], both layouts where unambiguous.
    Notebook,
    /// The JSON export: the paper's W [m, n], exactly.
    Paper,
}

struct Read_ {
    tensors: Vec<Tensor>,
    /// The explorer's own metadata: its `config` object (settings keys), step and fingerprint.
    config: Option<BTreeMap<String, Value>>,
    step: Option<u64>,
    fingerprint: Option<String>,
    orientation: Orientation,
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

/// Reads weights from a file's bytes. `file_name` picks the format by its extension (the content is
/// sniffed when the extension names none). A bad file is an error in words; nothing is kept.
pub fn import(bytes: &[u8], file_name: &str, choice: &Choice) -> Result<Import, String> {
    import_within(bytes, file_name, choice, &Limits::COMMAND_LINE)
}

/// [`import`] within other limits (a browser tab's: [`Limits::PAGE`]).
pub fn import_within(
    bytes: &[u8],
    file_name: &str,
    choice: &Choice,
    limits: &Limits,
) -> Result<Import, String> {
    let shown = if file_name.is_empty() {
        "the file".to_string()
    } else {
        format!("'{}'", file_name.chars().take(80).collect::<String>())
    };
    if bytes.len() > limits.file_bytes {
        return Err(format!(
            "{shown} is {}; weight files over {} are not read here{}",
            mib(bytes.len() as u64),
            mib(limits.file_bytes as u64),
            limits.elsewhere
        ));
    }
    if bytes.is_empty() {
        return Err(format!("{shown} is empty"));
    }
    let format = match Format::of_file(file_name) {
        Some(f) => f,
        None => {
            let ext = file_name
                .rsplit_once('.')
                .map(|(_, e)| e.to_ascii_lowercase());
            if matches!(ext.as_deref(), Some("pt" | "pth" | "bin" | "ckpt" | "pkl")) {
                return Err(format!(
                    "{shown} is a pickle (torch.save); pickles can run code and are not read: save the \
                     weights with safetensors.torch.save_file(model.state_dict(), 'weights.safetensors')"
                ));
            }
            Format::sniff(bytes).ok_or_else(|| {
                format!("{shown} is not a weights file: expected .safetensors, .npz or the explorer's .json export")
            })?
        }
    };
    let read = match format {
        Format::Safetensors => read_safetensors(bytes),
        Format::Npz => read_npz(bytes, limits),
        Format::Json => read_json(bytes),
    }
    .map_err(|e| format!("{shown}: {e}"))?;
    interpret(read, choice).map_err(|e| format!("{shown}: {e}"))
}

fn check_name(name: &str) -> Result<(), String> {
    if NAMES.contains(&name) {
        Ok(())
    } else {
        Err(format!(
            "unknown tensor '{}'; a weights file holds W (tied models) or W1 and W2 (abs), b_final, and \
             b_h (relu-hidden's hidden bias) only",
            name.chars().take(60).collect::<String>()
        ))
    }
}

fn dtype_refusal(name: &str, dtype: &str) -> String {
    format!(
        "{name} is {dtype}; weights must be float32 (float64 is converted): in PyTorch \
         tensor.float(), in numpy array.astype(np.float32)"
    )
}

/// float64 values as float32, refusing finite ones float32 cannot hold (they would become infinite).
fn narrow(name: &str, values: Vec<f64>) -> Result<Vec<f32>, String> {
    values
        .into_iter()
        .map(|v| {
            if v.is_finite() && v.abs() > f32::MAX as f64 {
                Err(format!("{name} holds {v:e}, beyond the range of float32"))
            } else {
                Ok(v as f32)
            }
        })
        .collect()
}

fn read_safetensors(bytes: &[u8]) -> Result<Read_, String> {
    // The header's length first, to say plainly what is wrong before the crate refuses it.
    if bytes.len() < 8 {
        return Err(format!(
            "{} bytes is too short for a safetensors file (8-byte header length, JSON header, data)",
            bytes.len()
        ));
    }
    let claimed = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    if claimed > (bytes.len() - 8) as u64 {
        return Err(format!(
            "the safetensors header claims {claimed} bytes but the file has {} after its first 8: it is \
             truncated, or not a safetensors file",
            bytes.len() - 8
        ));
    }
    let file = SafeTensors::deserialize(bytes).map_err(|e| {
        use safetensors::SafeTensorError::*;
        match e {
            MetadataIncompleteBuffer | InvalidOffset(_) => format!(
                "the data is shorter or longer than the header says ({e}): the file is truncated or damaged"
            ),
            InvalidTensorView(..) | TensorInvalidInfo | ValidationOverflow => {
                format!("a tensor's shape does not match its data ({e})")
            }
            _ => format!("not a valid safetensors file ({e})"),
        }
    })?;
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| e.to_string())?;
    let mut tensors = vec![];
    let mut names: Vec<String> = file.names().into_iter().map(str::to_string).collect();
    names.sort();
    for name in names {
        check_name(&name)?;
        let view = file.tensor(&name).map_err(|e| e.to_string())?;
        let shape = view.shape().to_vec();
        let data = view.data();
        let (values, converted) = match view.dtype() {
            Dtype::F32 => (
                data.chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
                    .collect(),
                false,
            ),
            Dtype::F64 => (
                narrow(
                    &name,
                    data.chunks_exact(8)
                        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                        .collect(),
                )?,
                true,
            ),
            other => {
                return Err(dtype_refusal(&name, &format!("{other:?}").to_lowercase()));
            }
        };
        let array =
            ArrayD::from_shape_vec(IxDyn(&shape), values).map_err(|e| format!("{name}: {e}"))?;
        tensors.push(Tensor {
            name,
            array,
            converted,
        });
    }
    let info = meta.metadata().clone().unwrap_or_default();
    let config = match info.get("config") {
        Some(text) => Some(
            serde_json::from_str::<BTreeMap<String, Value>>(text)
                .map_err(|e| format!("its metadata's config is not a JSON object ({e})"))?,
        ),
        None => None,
    };
    Ok(Read_ {
        tensors,
        config,
        step: info.get("step").and_then(|s| s.trim().parse().ok()),
        fingerprint: info.get("fingerprint").cloned(),
        orientation: Orientation::Notebook,
    })
}

/// The .npy magic, version and header length, checked before ndarray-npy reads the header: it
/// allocates what the header length claims, which must not be gigabytes.
fn check_npy_preamble(name: &str, bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(format!("{name}.npy is not a .npy array"));
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as u64, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as u64,
            12,
        ),
        v => {
            return Err(format!(
                "{name}.npy has .npy format version {v}, which is not read"
            ))
        }
    };
    if len > (bytes.len() - start) as u64 {
        return Err(format!(
            "{name}.npy's header claims {len} bytes but the entry has {}: it is truncated or damaged",
            bytes.len() - start
        ));
    }
    Ok(())
}

/// One .npy array (already in memory, within the caps) as float32.
fn read_npy(name: &str, bytes: &[u8]) -> Result<Tensor, String> {
    use ndarray_npy::npy::header::Header;
    check_npy_preamble(name, bytes)?;
    let mut reader = bytes;
    let header = Header::from_reader(&mut reader).map_err(|e| format!("{name}.npy: {e}"))?;
    let descr = match &header.type_descriptor {
        py_literal::Value::String(s) => s.clone(),
        other => {
            return Err(format!(
                "{name}.npy holds a structured dtype ({other}); weights must be float32"
            ))
        }
    };
    let item = match descr.trim_start_matches(['<', '>', '=', '|']) {
        "f4" => 4,
        "f8" => 8,
        "f2" => return Err(dtype_refusal(name, "float16")),
        k if k.starts_with('i') || k.starts_with('u') || k == "b1" => {
            return Err(dtype_refusal(
                name,
                &format!("an integer or boolean array ({descr})"),
            ))
        }
        _ => return Err(dtype_refusal(name, &format!("dtype '{descr}'"))),
    };
    // The data must be exactly what the shape says (a truncated entry, or one with a shape claiming
    // more than it holds, is refused here, before anything is allocated for it).
    let count = header
        .shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .and_then(|c| c.checked_mul(item));
    let have = reader.len();
    if count != Some(have) {
        return Err(format!(
            "{name}.npy's shape {:?} needs {} bytes of data but it has {have}: it is truncated or damaged",
            header.shape,
            count.map_or("more than can be counted".to_string(), |c| c.to_string())
        ));
    }
    let (array, converted) = if item == 4 {
        (
            ArrayD::<f32>::read_npy(bytes).map_err(|e| format!("{name}.npy: {e}"))?,
            false,
        )
    } else {
        let wide = ArrayD::<f64>::read_npy(bytes).map_err(|e| format!("{name}.npy: {e}"))?;
        let shape = wide.shape().to_vec();
        let values = narrow(name, wide.iter().copied().collect())?;
        (
            ArrayD::from_shape_vec(IxDyn(&shape), values).expect("same shape"),
            true,
        )
    };
    Ok(Tensor {
        name: name.to_string(),
        array,
        converted,
    })
}

/// A `<U…` 0-d array's text (the export's `metadata` entry).
fn read_npy_string(bytes: &[u8]) -> Result<String, String> {
    use ndarray_npy::npy::header::Header;
    check_npy_preamble("metadata", bytes)?;
    let mut reader = bytes;
    let header = Header::from_reader(&mut reader).map_err(|e| format!("metadata.npy: {e}"))?;
    let is_text =
        matches!(&header.type_descriptor, py_literal::Value::String(s) if s.starts_with("<U"));
    if !is_text || !header.shape.is_empty() || !reader.len().is_multiple_of(4) {
        return Err("metadata.npy is not the explorer's metadata (one unicode string)".into());
    }
    Ok(reader
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
        .take_while(|&c| c != 0)
        .map(|c| char::from_u32(c).unwrap_or('\u{fffd}'))
        .collect())
}

fn read_npz(bytes: &[u8], limits: &Limits) -> Result<Read_, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not a readable .npz (zip) archive ({e})"))?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!(
            "the archive has {} entries; a weights .npz has at most a few",
            archive.len()
        ));
    }
    // The sizes the archive declares, all checked before anything is inflated.
    let mut entries = vec![];
    let mut total = 0u64;
    for k in 0..archive.len() {
        let entry = archive
            .by_index_raw(k)
            .map_err(|e| format!("entry {k} cannot be read ({e})"))?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let Some(stem) = name.strip_suffix(".npy") else {
            return Err(format!(
                "the archive holds '{}', which is not a .npy array",
                name.chars().take(60).collect::<String>()
            ));
        };
        if stem != "metadata" {
            check_name(stem)?;
        }
        if entry.encrypted() {
            return Err(format!("{name} is encrypted"));
        }
        use zip::CompressionMethod::{Deflated, Stored};
        if !matches!(entry.compression(), Stored | Deflated) {
            return Err(format!(
                "{name} is compressed with {:?}; numpy writes stored or deflated entries only",
                entry.compression()
            ));
        }
        total = total.saturating_add(entry.size());
        if total > limits.unpacked_bytes {
            return Err(format!(
                "the archive's arrays would unpack to more than {} (at {name}); refused before inflating{}",
                mib(limits.unpacked_bytes),
                limits.elsewhere
            ));
        }
        entries.push((k, stem.to_string(), entry.size()));
    }
    let mut tensors = vec![];
    let mut metadata = None;
    for (k, stem, declared) in entries {
        let entry = archive
            .by_index(k)
            .map_err(|e| format!("{stem}.npy cannot be read ({e})"))?;
        // Never more than declared (+1 to notice a lie), whatever the compressed stream says.
        let mut data = Vec::with_capacity(declared as usize);
        let read = entry.take(declared + 1).read_to_end(&mut data);
        // (The zip reader stops at the declared size too, with an error of its own.)
        if data.len() as u64 > declared
            || read.as_ref().is_err_and(|_| data.len() as u64 == declared)
        {
            return Err(format!(
                "{stem}.npy inflates to more than the {declared} bytes the archive declares; refused"
            ));
        }
        read.map_err(|e| format!("{stem}.npy is damaged ({e})"))?;
        if (data.len() as u64) < declared {
            return Err(format!(
                "{stem}.npy holds {} of the {declared} bytes the archive declares: it is truncated",
                data.len()
            ));
        }
        if stem == "metadata" {
            metadata = Some(read_npy_string(&data)?);
        } else {
            tensors.push(read_npy(&stem, &data)?);
        }
    }
    let meta: Option<BTreeMap<String, Value>> = match metadata {
        Some(text) => Some(
            serde_json::from_str(&text)
                .map_err(|e| format!("metadata.npy is not a JSON object ({e})"))?,
        ),
        None => None,
    };
    let config = meta
        .as_ref()
        .and_then(|m| m.get("config"))
        .and_then(|c| c.as_object())
        .map(|o| o.clone().into_iter().collect());
    Ok(Read_ {
        tensors,
        config,
        step: meta
            .as_ref()
            .and_then(|m| m.get("step"))
            .and_then(Value::as_u64),
        fingerprint: meta
            .as_ref()
            .and_then(|m| m.get("fingerprint"))
            .and_then(Value::as_str)
            .map(str::to_string),
        orientation: Orientation::Notebook,
    })
}

/// Nested JSON lists of numbers as an array; null (how the export writes a non-finite number) is NaN,
/// refused later with the tensor's name.
fn json_array(name: &str, value: &Value) -> Result<ArrayD<f32>, String> {
    fn walk(
        v: &Value,
        depth: usize,
        shape: &mut Vec<usize>,
        out: &mut Vec<f32>,
    ) -> Result<(), String> {
        match v {
            Value::Array(items) => {
                if depth == shape.len() {
                    if !out.is_empty() {
                        return Err("rows of different depths".into());
                    }
                    shape.push(items.len());
                } else if depth > shape.len() || shape[depth] != items.len() {
                    return Err("rows of different lengths".into());
                }
                for item in items {
                    walk(item, depth + 1, shape, out)?;
                }
                Ok(())
            }
            Value::Number(x) if depth == shape.len() => {
                out.push(x.as_f64().map_or(f32::NAN, |x| x as f32));
                Ok(())
            }
            Value::Null if depth == shape.len() => {
                out.push(f32::NAN);
                Ok(())
            }
            _ => Err("not a list of numbers (or of rows of numbers)".into()),
        }
    }
    let (mut shape, mut out) = (vec![], vec![]);
    walk(value, 0, &mut shape, &mut out).map_err(|e| format!("params.{name}: {e}"))?;
    ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(|e| format!("params.{name}: {e}"))
}

fn read_json(bytes: &[u8]) -> Result<Read_, String> {
    let doc: BTreeMap<String, Value> = serde_json::from_slice(bytes)
        .map_err(|e| format!("not the explorer's JSON export ({e})"))?;
    let params = doc
        .get("params")
        .and_then(Value::as_object)
        .ok_or("not the explorer's JSON export: it has no \"params\" object")?;
    let mut tensors = vec![];
    for (key, value) in params {
        // The export calls the output bias b.
        let name = if key == "b" { "b_final" } else { key.as_str() };
        check_name(name)?;
        tensors.push(Tensor {
            name: name.to_string(),
            array: json_array(key, value)?,
            converted: false,
        });
    }
    Ok(Read_ {
        tensors,
        config: doc
            .get("config")
            .and_then(Value::as_object)
            .map(|o| o.clone().into_iter().collect()),
        step: doc.get("step").and_then(Value::as_u64),
        fingerprint: doc
            .get("fingerprint")
            .and_then(Value::as_str)
            .map(str::to_string),
        orientation: Orientation::Paper,
    })
}

/// The file's settings (keys of the settings table), each read by its declared setting; what cannot
/// be used is a notice and the default stays.
fn file_config(object: &BTreeMap<String, Value>, notices: &mut Vec<String>) -> Config {
    let mut c = Config::default();
    for (key, value) in object {
        let Some(s) = setting(key) else {
            notices.push(format!(
                "the file's settings: unknown setting '{key}' ignored"
            ));
            continue;
        };
        let text = match value {
            Value::String(t) => t.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(x) => x.to_string(),
            Value::Array(items) => items
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        if let Err(e) = s.read(&mut c, &text) {
            notices.push(format!("the file's settings: {e}; using {}", s.show(&c)));
        }
    }
    c
}

fn shape_text(shape: &[usize]) -> String {
    format!(
        "[{}]",
        shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Turns the tensors into one model's parameters: picks the instance, tells n from m, picks the model.
fn interpret(read: Read_, choice: &Choice) -> Result<Import, String> {
    let mut notices = vec![];
    let mut by_name: BTreeMap<&str, &Tensor> = BTreeMap::new();
    for t in &read.tensors {
        if by_name.insert(t.name.as_str(), t).is_some() {
            return Err(format!("{} appears twice", t.name));
        }
    }
    let shapes: Vec<String> = NAMES
        .iter()
        .filter_map(|name| by_name.get(name))
        .map(|t| format!("{} {}", t.name, shape_text(t.array.shape())))
        .collect();
    let what = shapes.join(", ");
    for t in &read.tensors {
        if t.converted {
            notices.push(format!("{} was float64; converted to float32", t.name));
        }
    }
    let (has_w, has_w1, has_w2) = (
        by_name.contains_key("W"),
        by_name.contains_key("W1"),
        by_name.contains_key("W2"),
    );
    let abs = match (has_w, has_w1, has_w2) {
        (true, false, false) => false,
        (false, true, true) => true,
        (false, false, false) => {
            return Err(format!(
                "no weights ({}): expected W (tied models) or W1 and W2 (abs)",
                if what.is_empty() {
                    "no tensors".to_string()
                } else {
                    what
                }
            ))
        }
        (true, _, _) => {
            return Err(
                "it holds both W and W1/W2: one model has either W (tied) or W1 and W2 (abs)"
                    .into(),
            )
        }
        _ => return Err(format!("{what}: abs needs both W1 and W2")),
    };
    // Matrices are rank 2, or 3 with the instance first; biases rank 1, or 2 with the instance first.
    let mut instances: Option<(usize, &str)> = None;
    for t in by_name.values() {
        let matrix = t.name.starts_with('W');
        let rank = t.array.ndim();
        let plain = if matrix { 2 } else { 1 };
        if rank == plain + 1 {
            let count = t.array.shape()[0];
            match instances {
                Some((i, other)) if i != count => {
                    return Err(format!(
                        "{} has {count} instances but {other} has {i}",
                        t.name
                    ))
                }
                _ => instances = Some((count, t.name.as_str())),
            }
        } else if rank != plain {
            let expected = if matrix {
                "[n, m] or [instances, n, m]"
            } else {
                "[n] or [instances, n]"
            };
            return Err(format!(
                "{} has shape {}; expected {expected}",
                t.name,
                shape_text(t.array.shape())
            ));
        }
    }
    let instance = choice.instance.unwrap_or(0);
    let count = instances.map(|(c, _)| c);
    match count {
        Some(0) => return Err(format!("{what}: no instances")),
        Some(c) if instance >= c => {
            return Err(format!(
                "instance {instance} is not there: {what} holds {c} instances, 0 to {}",
                c - 1
            ))
        }
        None if instance > 0 => {
            return Err(format!(
                "instance {instance} is not there: {what} has no instance dimension (one model)"
            ))
        }
        _ => {}
    }
    // The chosen instance of each tensor (those without an instance dimension are taken whole).
    let pick = |name: &str| -> Option<ArrayD<f32>> {
        let t = by_name.get(name)?;
        let plain = if name.starts_with('W') { 2 } else { 1 };
        Some(if t.array.ndim() == plain + 1 {
            t.array.index_axis(Axis(0), instance).to_owned()
        } else {
            t.array.clone()
        })
    };
    let first = pick(if abs { "W1" } else { "W" }).expect("checked above");
    let (a, b) = (first.shape()[0], first.shape()[1]);
    let b_final = pick("b_final");
    let b_h = pick("b_h");
    // Which dimension is n: candidates (n, m, notebook layout?) that the biases agree with.
    let mut candidates: Vec<(usize, usize, bool)> = match read.orientation {
        Orientation::Paper => vec![(b, a, false)],
        Orientation::Notebook if a == b => vec![(a, b, true)],
        Orientation::Notebook => vec![(a, b, true), (b, a, false)],
    };
    candidates.retain(|&(n, m, _)| {
        b_final.as_ref().is_none_or(|v| v.len() == n) && b_h.as_ref().is_none_or(|v| v.len() == m)
    });
    let Some(&(n, m, notebook)) = candidates.first() else {
        return Err(format!(
            "{what}: these shapes fit no model (b_final has one value per feature n, b_h one per neuron m{})",
            match read.orientation {
                Orientation::Paper => ", and the JSON export's W is m × n",
                Orientation::Notebook => ", and W is [n, m] or [m, n]",
            }
        ));
    };
    if read.orientation == Orientation::Notebook {
        if a == b {
            notices.push(format!(
                "{} is square (n = m = {a}): read in the notebook's layout [n, m] (h = x @ W); transpose it \
                 if yours is [m, n]",
                if abs { "W1" } else { "W" }
            ));
        } else if candidates.len() > 1 {
            notices.push(format!(
                "no bias to tell n from m: {} {} read as [n, m] (the notebook's layout); transpose it if \
                 yours is [m, n]",
                if abs { "W1" } else { "W" },
                shape_text(&[a, b])
            ));
        } else if !notebook {
            notices.push(format!(
                "{} {} read as [m, n] (the paper's layout), since b_final has {n} values",
                if abs { "W1" } else { "W" },
                shape_text(&[a, b])
            ));
        }
    }
    if n > N_MAX as usize || m > M_MAX as usize {
        return Err(format!(
            "n = {n} features and m = {m} neurons: the explorer takes n and m up to {N_MAX} and {M_MAX}"
        ));
    }
    let second = if abs {
        let w2 = pick("W2").expect("checked above");
        if w2.shape() != [b, a] {
            return Err(format!(
                "{what}: W2 must be W1's shape reversed ({}), the other direction of the same n and m",
                shape_text(&[b, a])
            ));
        }
        Some(w2)
    } else {
        None
    };
    // The model: abs by its tensors, relu-hidden by its hidden bias, else chosen or from the file.
    let mut file_notices = vec![];
    let file_config = read
        .config
        .as_ref()
        .map(|object| file_config(object, &mut file_notices));
    notices.extend(file_notices);
    let (model, how) = if abs {
        if let Some(k) = choice.model.filter(|&k| k != ModelKind::Abs) {
            return Err(format!(
                "it holds W1 and W2, an abs model; {} has one tied W",
                k.id()
            ));
        }
        (ModelKind::Abs, String::new())
    } else if b_h.is_some() {
        if let Some(k) = choice.model.filter(|&k| k != ModelKind::ReluHidden) {
            return Err(format!(
                "it holds b_h, a hidden bias, which only relu-hidden has, not {}",
                k.id()
            ));
        }
        (
            ModelKind::ReluHidden,
            " with its hidden bias b_h".to_string(),
        )
    } else if let Some(k) = choice.model {
        if k == ModelKind::Abs {
            return Err("it holds one tied W; abs needs W1 and W2".into());
        }
        (k, String::new())
    } else if let Some(k) = file_config.as_ref().map(|c| c.model).filter(|k| k.tied()) {
        (k, " (the file's settings)".to_string())
    } else {
        (
            ModelKind::ReluOutput,
            " assumed; set the model if it is another".to_string(),
        )
    };
    // The flat parameters, `[W or W₁ | W₂ᵀ | b | b_h]`, W stored m × n (row j = neuron j).
    let hidden_bias = b_h.is_some();
    let layout = Layout::of(model, n, m, hidden_bias);
    let mut params = Vec::with_capacity(layout.len);
    let at = count.map(|_| instance);
    check_values(if abs { "W1" } else { "W" }, &first, at)?;
    let w = as_view2(&first);
    let w_stored = if notebook { w.t() } else { w };
    params.extend(w_stored.iter().copied());
    if let Some(w2) = &second {
        check_values("W2", w2, at)?;
        // Notebook W2 [m, n] is W₂ᵀ as stored; the paper's W₂ [n, m] is transposed.
        let w2 = as_view2(w2);
        let w2_stored = if notebook { w2 } else { w2.t() };
        params.extend(w2_stored.iter().copied());
    }
    match &b_final {
        Some(v) => {
            check_values("b_final", v, at)?;
            params.extend(v.iter().copied());
        }
        None => {
            notices.push("no b_final in the file: the output bias is zero".into());
            params.extend(std::iter::repeat_n(0.0, n));
        }
    }
    if let Some(v) = &b_h {
        check_values("b_h", v, at)?;
        params.extend(v.iter().copied());
    }
    debug_assert_eq!(params.len(), layout.len);
    if let Some(c) = &file_config {
        if (c.n, c.m) != (n, m) {
            notices.push(format!(
                "the file's settings say n = {}, m = {} but its weights have n = {n}, m = {m}; using the weights",
                c.n, c.m
            ));
        }
    }
    let mut tail = String::new();
    if let Some(step) = read.step {
        tail.push_str(&format!("; exported at step {step}"));
    }
    if let Some(want) = &read.fingerprint {
        let have = format!("{:016x}", fingerprint([&params[..]]));
        if &have == want {
            tail.push_str(", fingerprint matches");
        } else {
            notices.push(format!(
                "the weights' fingerprint is {have}, not the {want} the file was exported with: they \
                 changed after export"
            ));
        }
    }
    let which = match count {
        Some(c) => format!("instance {instance} of {c}, "),
        None => String::new(),
    };
    Ok(Import {
        model,
        n,
        m,
        hidden_bias,
        params,
        file_config,
        step: read.step,
        description: format!("{what}: {which}n = {n}, m = {m}, {}{how}{tail}", model.id()),
        notices,
    })
}

fn as_view2(x: &ArrayD<f32>) -> ArrayView2<'_, f32> {
    x.view()
        .into_dimensionality()
        .expect("checked to be a matrix")
}

/// Refuses NaN, infinite and absurd values, naming where the first is in the file (with the instance
/// first when the file has an instance dimension).
fn check_values(name: &str, values: &ArrayD<f32>, instance: Option<usize>) -> Result<(), String> {
    for (index, &v) in values.indexed_iter() {
        if !v.is_finite() || v.abs() > MAX_WEIGHT {
            let place: Vec<usize> = instance
                .into_iter()
                .chain(index.as_array_view().iter().copied())
                .collect();
            let what = if v.is_nan() {
                "NaN".to_string()
            } else if v.is_infinite() {
                "an infinite value".to_string()
            } else {
                format!("{v:e}, beyond ±{MAX_WEIGHT:e}")
            };
            return Err(format!(
                "{name} holds {what} at {name}{}; weights must be finite numbers",
                shape_text(&place)
            ));
        }
    }
    Ok(())
}

/// The caps of [`crate::app::gate`] for weights opened in a browser tab: the shape is the file's, so
/// a model too large to redraw in time is refused, and a batch too large to train in time shrinks.
pub fn fit_for_page(config: &mut Config) -> Result<Vec<String>, String> {
    let mut capped = config.clone();
    let notices = crate::app::gate::cap_config(&mut capped);
    if capped.m != config.m {
        return Err(format!(
            "n = {} features with m = {} neurons is more than a browser tab can redraw in time; inspect \
             it with 'tms inspect FILE' or draw it with 'tms render --weights FILE'",
            config.n, config.m
        ));
    }
    *config = capped;
    Ok(notices.into_iter().map(|(_, text)| text).collect())
}
