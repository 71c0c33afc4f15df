//! Weights in and out (src/app/weights.rs): every run survives the round trip through each format;
//! the notebook's shapes open with the instance chosen; every kind of bad file is refused with a
//! message saying what is wrong, and `tms` writes nothing for it; and the real Python packages read
//! the exports and write files the explorer reads to the same metrics (with the virtual environment
//! `.ci/tools.sh` makes).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::{ArrayD, IxDyn};
use ndarray_npy::WriteNpyExt;
use safetensors::tensor::{Dtype, TensorView};
use serde_json::Value;
use tms_explorer::app::weights::{
    export, import, import_within, Choice, Format, Limits, MAX_FILE_BYTES, MAX_UNPACKED_BYTES,
};
use tms_explorer::core::config::{Config, ModelKind};
use tms_explorer::core::training::Trainer;

fn trained(model: ModelKind, hidden_bias: bool, n: usize, m: usize, steps: u64) -> Trainer {
    let mut t = Trainer::new(Config {
        model,
        hidden_bias,
        n,
        m,
        density: vec![0.2],
        batch: 64,
        seed: 4,
        ..Config::default()
    })
    .unwrap();
    t.step(steps);
    t
}

/// One of each model, with a hidden bias and with n < m too.
fn runs() -> Vec<Trainer> {
    vec![
        trained(ModelKind::Linear, false, 5, 2, 50),
        trained(ModelKind::ReluOutput, false, 7, 3, 80),
        trained(ModelKind::ReluHidden, true, 6, 4, 60),
        trained(ModelKind::Abs, false, 3, 6, 90),
        trained(ModelKind::Abs, false, 9, 4, 40),
    ]
}

fn safetensors_file(
    tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)],
    meta: Option<HashMap<String, String>>,
) -> Vec<u8> {
    let views: Vec<(&str, TensorView)> = tensors
        .iter()
        .map(|(name, dtype, shape, data)| {
            (*name, TensorView::new(*dtype, shape.clone(), data).unwrap())
        })
        .collect();
    safetensors::serialize(views, meta).unwrap()
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn npy<T: ndarray_npy::WritableElement>(shape: &[usize], values: Vec<T>) -> Vec<u8> {
    let mut out = vec![];
    ArrayD::from_shape_vec(IxDyn(shape), values)
        .unwrap()
        .write_npy(&mut out)
        .unwrap();
    out
}

fn npz(entries: &[(&str, Vec<u8>)], method: zip::CompressionMethod) -> Vec<u8> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .large_file(false);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn refused(bytes: &[u8], name: &str, choice: &Choice, words: &[&str]) {
    let err = import(bytes, name, choice).expect_err(&format!("{name} should be refused"));
    for w in words {
        assert!(err.contains(w), "{name}: '{err}' should say '{w}'");
    }
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

fn none() -> Choice {
    Choice::default()
}

#[test]
fn every_run_survives_the_round_trip_through_each_format_bit_for_bit() {
    for t in runs() {
        for format in Format::ALL {
            let bytes = export(&t, format);
            let name = format!("run.{}", format.id());
            let read = import(&bytes, &name, &none()).unwrap();
            let c = t.config();
            assert_eq!(
                (read.model, read.n, read.m, read.hidden_bias),
                (c.model, c.n, c.m, c.hidden_bias),
                "{name}"
            );
            assert_eq!(
                read.params,
                t.params(),
                "{name} {:?}: the same bits",
                c.model
            );
            assert_eq!(
                read.file_config.as_ref(),
                Some(c),
                "{name}: the settings come back"
            );
            assert_eq!(read.step, Some(t.step_count()));
            assert!(
                read.description.ends_with("fingerprint matches"),
                "{}",
                read.description
            );
            assert!(read.notices.is_empty(), "{name}: {:?}", read.notices);
            let again = read.trainer(None).unwrap();
            assert_eq!(again.fingerprint(), t.fingerprint());
            assert_eq!(again.config(), c);
        }
        // The same run gives the same bytes (no time stamps, fixed order).
        assert_eq!(export(&t, Format::Npz), export(&t, Format::Npz));
        assert_eq!(
            export(&t, Format::Safetensors),
            export(&t, Format::Safetensors)
        );
    }
}

#[test]
fn an_imported_model_trains_on_with_fresh_adamw_and_the_settings_given() {
    let t = trained(ModelKind::Abs, false, 8, 3, 200);
    let read = import(&export(&t, Format::Safetensors), "w.safetensors", &none()).unwrap();
    let base = Config {
        density: vec![0.05],
        importance: 0.8,
        seed: 11,
        ..Config::default()
    };
    let (config, notices) = read.config(Some(&base));
    assert!(notices.is_empty());
    assert_eq!(
        (config.model, config.n, config.m),
        (ModelKind::Abs, 8, 3),
        "the weights fix the shape"
    );
    assert_eq!(
        (config.density.clone(), config.importance, config.seed),
        (vec![0.05], 0.8, 11)
    );
    let mut a = read.trainer(Some(&base)).unwrap();
    let mut b = Trainer::from_params(config, t.params().to_vec()).unwrap();
    assert_eq!(a.step_count(), 0);
    a.step(50);
    b.step(50);
    assert_eq!(a.params(), b.params());
    assert_ne!(a.params(), t.params(), "it trained");
    assert!(a.last_loss().is_finite());
}

#[test]
fn the_notebooks_shapes_open_at_the_chosen_instance_in_either_layout() {
    let (instances, n, m) = (10, 5, 2);
    let w: Vec<f32> = (0..instances * n * m)
        .map(|k| ((k * 37 % 23) as f32 - 11.0) / 13.0)
        .collect();
    let b: Vec<f32> = (0..instances * n).map(|k| k as f32 / 100.0).collect();
    let file = safetensors_file(
        &[
            ("W", Dtype::F32, vec![instances, n, m], f32_bytes(&w)),
            ("b_final", Dtype::F32, vec![instances, n], f32_bytes(&b)),
        ],
        None,
    );
    let choice = Choice {
        instance: Some(3),
        model: None,
    };
    let read = import(&file, "notebook.safetensors", &choice).unwrap();
    assert_eq!(
        read.description,
        "W [10, 5, 2], b_final [10, 5]: instance 3 of 10, n = 5, m = 2, relu-output assumed; set the model if it is another"
    );
    assert!(read.notices.is_empty(), "{:?}", read.notices);
    // Instance 3's W[i, j] (feature i, neuron j) is the explorer's W_ji, stored neuron-major.
    for i in 0..n {
        for j in 0..m {
            assert_eq!(read.params[j * n + i], w[3 * n * m + i * m + j]);
        }
    }
    assert_eq!(&read.params[n * m..], &b[3 * n..4 * n]);
    // The paper's (and ARENA's) layout W[instances, m, n] is told apart by b_final's length.
    let mut w_t = vec![0.0; w.len()];
    for k in 0..instances {
        for i in 0..n {
            for j in 0..m {
                w_t[k * n * m + j * n + i] = w[k * n * m + i * m + j];
            }
        }
    }
    let arena = safetensors_file(
        &[
            ("W", Dtype::F32, vec![instances, m, n], f32_bytes(&w_t)),
            ("b_final", Dtype::F32, vec![instances, n], f32_bytes(&b)),
        ],
        None,
    );
    let read_t = import(&arena, "arena.safetensors", &choice).unwrap();
    assert_eq!(read_t.params, read.params);
    assert!(
        read_t.notices[0].contains("read as [m, n]"),
        "{:?}",
        read_t.notices
    );
    // The model: chosen, or relu-hidden when a hidden bias says so; the default instance is 0.
    let linear = import(
        &file,
        "n.safetensors",
        &Choice {
            instance: None,
            model: Some(ModelKind::Linear),
        },
    )
    .unwrap();
    assert_eq!(linear.model, ModelKind::Linear);
    assert!(linear.description.contains("instance 0 of 10"));
    assert!(!linear.description.contains("assumed"));
    let b_h = vec![0.5f32; m];
    let with_bias = safetensors_file(
        &[
            ("W", Dtype::F32, vec![n, m], f32_bytes(&w[..n * m])),
            ("b_final", Dtype::F32, vec![n], f32_bytes(&b[..n])),
            ("b_h", Dtype::F32, vec![m], f32_bytes(&b_h)),
        ],
        None,
    );
    let read = import(&with_bias, "h.safetensors", &none()).unwrap();
    assert_eq!(
        (read.model, read.hidden_bias),
        (ModelKind::ReluHidden, true)
    );
    assert_eq!(&read.params[n * m + n..], &b_h[..]);
    // No bias to tell n from m, or a square W: the notebook's layout, said so; no b_final: zero.
    let bare = safetensors_file(
        &[("W", Dtype::F32, vec![n, m], f32_bytes(&w[..n * m]))],
        None,
    );
    let read = import(&bare, "bare.safetensors", &none()).unwrap();
    assert_eq!((read.n, read.m), (5, 2));
    assert!(
        read.notices
            .iter()
            .any(|x| x.contains("no bias to tell n from m")),
        "{:?}",
        read.notices
    );
    assert!(
        read.notices.iter().any(|x| x.contains("no b_final")),
        "{:?}",
        read.notices
    );
    assert_eq!(&read.params[n * m..], &[0.0; 5]);
    let square = safetensors_file(&[("W", Dtype::F32, vec![3, 3], f32_bytes(&w[..9]))], None);
    let read = import(&square, "sq.safetensors", &none()).unwrap();
    assert!(
        read.notices.iter().any(|x| x.contains("square")),
        "{:?}",
        read.notices
    );
    // float64 is converted, with a note; .npz (stored or deflated) reads the same tensors.
    let w64: Vec<f64> = w.iter().map(|&v| v as f64).collect();
    let b64: Vec<f64> = b.iter().map(|&v| v as f64).collect();
    for method in [
        zip::CompressionMethod::Stored,
        zip::CompressionMethod::Deflated,
    ] {
        let archive = npz(
            &[
                ("W.npy", npy(&[instances, n, m], w64.clone())),
                ("b_final.npy", npy(&[instances, n], b64.clone())),
            ],
            method,
        );
        let read64 = import(&archive, "nb.npz", &choice).unwrap();
        let direct = import(&file, "notebook.safetensors", &choice).unwrap();
        assert_eq!(read64.params, direct.params, "{method:?}");
        assert!(read64
            .notices
            .iter()
            .any(|x| x.contains("W was float64; converted to float32")));
    }
    // A Fortran-ordered array (numpy saves a transposed view so) is read in its logical order.
    let mut column_major = vec![0.0f32; n * m];
    for i in 0..n {
        for j in 0..m {
            column_major[j * n + i] = w[i * m + j];
        }
    }
    let fortran = npy_by_hand(
        "{'descr': '<f4', 'fortran_order': True, 'shape': (5, 2), }",
        &f32_bytes(&column_major),
    );
    let archive = npz(
        &[
            ("W.npy", fortran),
            ("b_final.npy", npy(&[n], b[..n].to_vec())),
        ],
        zip::CompressionMethod::Stored,
    );
    let read_f = import(&archive, "f.npz", &none()).unwrap();
    let plain = import(
        &safetensors_file(
            &[
                ("W", Dtype::F32, vec![n, m], f32_bytes(&w[..n * m])),
                ("b_final", Dtype::F32, vec![n], f32_bytes(&b[..n])),
            ],
            None,
        ),
        "p.safetensors",
        &none(),
    )
    .unwrap();
    assert_eq!(read_f.params, plain.params);
}

#[test]
fn bad_files_are_refused_with_a_message_saying_what_is_wrong() {
    let t = trained(ModelKind::ReluOutput, false, 5, 2, 30);
    let good = export(&t, Format::Safetensors);
    let w = t.params()[..10].to_vec();
    let b = t.params()[10..15].to_vec();
    let st = |tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)]| safetensors_file(tensors, None);

    // Truncated, in each format.
    refused(
        &good[..good.len() - 7],
        "w.safetensors",
        &none(),
        &["truncated"],
    );
    refused(
        &good[..40],
        "w.safetensors",
        &none(),
        &["header claims", "truncated"],
    );
    let npz_good = export(&t, Format::Npz);
    refused(
        &npz_good[..npz_good.len() / 2],
        "w.npz",
        &none(),
        &["not a readable .npz"],
    );
    let json_good = export(&t, Format::Json);
    refused(
        &json_good[..json_good.len() / 2],
        "w.json",
        &none(),
        &["not the explorer's JSON export"],
    );
    // An .npy entry whose data stops short of its shape.
    let mut short = npy(&[5, 2], w.clone());
    short.truncate(short.len() - 4);
    refused(
        &npz(&[("W.npy", short)], zip::CompressionMethod::Stored),
        "w.npz",
        &none(),
        &["needs 40 bytes", "has 36", "truncated"],
    );
    // A header claiming gigabytes: safetensors' length prefix, and a version-2 .npy header length.
    let mut huge = good.clone();
    huge[..8].copy_from_slice(&(3u64 << 30).to_le_bytes());
    refused(
        &huge,
        "w.safetensors",
        &none(),
        &["header claims 3221225472 bytes"],
    );
    let mut npy_huge = b"\x93NUMPY\x02\x00".to_vec();
    npy_huge.extend((3u32 << 30).to_le_bytes());
    npy_huge.extend(b"{'descr': '<f4'}");
    refused(
        &npz(&[("W.npy", npy_huge)], zip::CompressionMethod::Stored),
        "w.npz",
        &none(),
        &["header claims 3221225472 bytes"],
    );
    // A shape claiming far more than the data holds.
    let big_shape = npy_by_hand(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (9999999999, 9), }",
        &f32_bytes(&w),
    );
    refused(
        &npz(&[("W.npy", big_shape)], zip::CompressionMethod::Stored),
        "w.npz",
        &none(),
        &["shape [9999999999, 9]", "has 40"],
    );

    // Wrong dtypes: integers and half precision are refused (float64 is converted: see above).
    let ints: Vec<u8> = (0..10i64).flat_map(|v| v.to_le_bytes()).collect();
    refused(
        &st(&[("W", Dtype::I64, vec![5, 2], ints)]),
        "w.safetensors",
        &none(),
        &["W is i64", "float32"],
    );
    refused(
        &st(&[("W", Dtype::F16, vec![5, 2], vec![0; 20])]),
        "w.safetensors",
        &none(),
        &["W is f16"],
    );
    refused(
        &npz(
            &[("W.npy", npy(&[5, 2], (0..10i32).collect()))],
            zip::CompressionMethod::Stored,
        ),
        "w.npz",
        &none(),
        &["integer", "<i4", "float32"],
    );
    refused(
        &npz(
            &[("W.npy", npy(&[5, 2], vec![true; 10]))],
            zip::CompressionMethod::Stored,
        ),
        "w.npz",
        &none(),
        &["boolean"],
    );

    // Unknown tensor names, in each format.
    refused(
        &st(&[
            ("W", Dtype::F32, vec![5, 2], f32_bytes(&w)),
            ("embed", Dtype::F32, vec![5], f32_bytes(&b)),
        ]),
        "w.safetensors",
        &none(),
        &["unknown tensor 'embed'", "W1 and W2"],
    );
    refused(
        &npz(
            &[
                ("W.npy", npy(&[5, 2], w.clone())),
                ("W_enc.npy", npy(&[5], b.clone())),
            ],
            zip::CompressionMethod::Stored,
        ),
        "w.npz",
        &none(),
        &["unknown tensor 'W_enc'"],
    );
    refused(
        &npz(
            &[("W.txt", b"hello".to_vec())],
            zip::CompressionMethod::Stored,
        ),
        "w.npz",
        &none(),
        &["'W.txt', which is not a .npy array"],
    );
    let renamed = String::from_utf8(json_good.clone())
        .unwrap()
        .replace("\"W\":", "\"Wx\":");
    refused(
        renamed.as_bytes(),
        "w.json",
        &none(),
        &["unknown tensor 'Wx'"],
    );

    // Shapes that fit no model.
    refused(
        &st(&[
            ("W", Dtype::F32, vec![5, 2], f32_bytes(&w)),
            ("b_final", Dtype::F32, vec![3], f32_bytes(&b[..3])),
        ]),
        "w.safetensors",
        &none(),
        &["fit no model"],
    );
    refused(
        &st(&[("W", Dtype::F32, vec![1, 1, 5, 2], f32_bytes(&w))]),
        "w.safetensors",
        &none(),
        &["shape [1, 1, 5, 2]", "[instances, n, m]"],
    );
    refused(
        &st(&[
            ("W1", Dtype::F32, vec![5, 2], f32_bytes(&w)),
            ("W2", Dtype::F32, vec![5, 2], f32_bytes(&w)),
        ]),
        "w.safetensors",
        &none(),
        &["W2 must be W1's shape reversed"],
    );
    refused(
        &st(&[("W1", Dtype::F32, vec![5, 2], f32_bytes(&w))]),
        "w.safetensors",
        &none(),
        &["abs needs both W1 and W2"],
    );
    refused(
        &st(&[("b_final", Dtype::F32, vec![5], f32_bytes(&b))]),
        "w.safetensors",
        &none(),
        &["no weights"],
    );
    refused(
        &st(&[
            (
                "W",
                Dtype::F32,
                vec![2, 5, 2],
                f32_bytes(&[w.clone(), w.clone()].concat()),
            ),
            (
                "b_final",
                Dtype::F32,
                vec![3, 5],
                f32_bytes(&[b.clone(), b.clone(), b.clone()].concat()),
            ),
        ]),
        "w.safetensors",
        &none(),
        &["3 instances", "has 2"],
    );
    let big: Vec<f32> = vec![0.1; 1001 * 2];
    refused(
        &st(&[
            ("W", Dtype::F32, vec![1001, 2], f32_bytes(&big)),
            ("b_final", Dtype::F32, vec![1001], f32_bytes(&big[..1001])),
        ]),
        "w.safetensors",
        &none(),
        &["n = 1001", "up to 1000"],
    );
    // The instance and the model must fit the file.
    let notebook = st(&[(
        "W",
        Dtype::F32,
        vec![2, 5, 2],
        f32_bytes(&[w.clone(), w.clone()].concat()),
    )]);
    refused(
        &notebook,
        "w.safetensors",
        &Choice {
            instance: Some(2),
            model: None,
        },
        &["instance 2 is not there", "0 to 1"],
    );
    refused(
        &good,
        "w.safetensors",
        &Choice {
            instance: Some(1),
            model: None,
        },
        &["no instance dimension"],
    );
    refused(
        &good,
        "w.safetensors",
        &Choice {
            instance: None,
            model: Some(ModelKind::Abs),
        },
        &["abs needs W1 and W2"],
    );
    let abs = export(&trained(ModelKind::Abs, false, 4, 3, 5), Format::Npz);
    refused(
        &abs,
        "a.npz",
        &Choice {
            instance: None,
            model: Some(ModelKind::Linear),
        },
        &["an abs model"],
    );
    let biased = export(&trained(ModelKind::ReluHidden, true, 4, 3, 5), Format::Npz);
    refused(
        &biased,
        "h.npz",
        &Choice {
            instance: None,
            model: Some(ModelKind::Linear),
        },
        &["only relu-hidden has"],
    );

    // NaN and infinite values (and absurd ones), named with where they are.
    for (bad, words) in [
        (f32::NAN, "NaN"),
        (f32::INFINITY, "an infinite value"),
        (3e30, "beyond"),
    ] {
        let mut w_bad = w.clone();
        w_bad[7] = bad;
        refused(
            &st(&[
                ("W", Dtype::F32, vec![5, 2], f32_bytes(&w_bad)),
                ("b_final", Dtype::F32, vec![5], f32_bytes(&b)),
            ]),
            "w.safetensors",
            &none(),
            &["W holds", words, "at W[3, 1]"],
        );
    }
    // The JSON export writes a non-finite number as null.
    let text = String::from_utf8(json_good.clone()).unwrap();
    let start = text.find("\"b\":[").unwrap() + 5;
    let end = start + text[start..].find(',').unwrap();
    let with_null = format!("{}null{}", &text[..start], &text[end..]);
    refused(
        with_null.as_bytes(),
        "w.json",
        &none(),
        &["b_final holds NaN at b_final[0]"],
    );
    let f64_huge: Vec<u8> = [1e300f64; 10]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    refused(
        &st(&[("W", Dtype::F64, vec![5, 2], f64_huge)]),
        "w.safetensors",
        &none(),
        &["beyond the range of float32"],
    );

    // Files over the size cap; zip bombs, by their declared size and by a size that lies.
    refused(
        &vec![0u8; MAX_FILE_BYTES + 1],
        "w.safetensors",
        &none(),
        &["64.0 MiB", "not read"],
    );
    // A browser tab reads less, and says where larger files open.
    let page = Limits::PAGE;
    let over = vec![0u8; page.file_bytes + 1];
    let err = import_within(&over, "w.safetensors", &none(), &page).unwrap_err();
    assert!(
        err.contains("over 2.0 MiB") && err.contains("tms inspect"),
        "{err}"
    );
    let half_bomb = npz(
        &[("W.npy", vec![0u8; 3 << 20])],
        zip::CompressionMethod::Deflated,
    );
    assert!(half_bomb.len() < page.file_bytes);
    let err = import_within(&half_bomb, "w.npz", &none(), &page).unwrap_err();
    assert!(
        err.contains("more than 2.0 MiB") && err.contains("before inflating"),
        "{err}"
    );
    let err = import(&half_bomb, "w.npz", &none()).unwrap_err();
    assert!(
        err.contains("W.npy is not a .npy array"),
        "the command line inflates it: {err}"
    );
    let zeros = vec![0u8; MAX_UNPACKED_BYTES as usize + 1024];
    let bomb = npz(&[("W.npy", zeros)], zip::CompressionMethod::Deflated);
    assert!(bomb.len() < 1 << 20, "{} bytes compressed", bomb.len());
    refused(
        &bomb,
        "bomb.npz",
        &none(),
        &["would unpack to more than 64.0 MiB", "before inflating"],
    );
    let liar = lying_sizes(
        npz(
            &[("W.npy", vec![0u8; 1 << 20])],
            zip::CompressionMethod::Deflated,
        ),
        100,
    );
    refused(
        &liar,
        "liar.npz",
        &none(),
        &["inflates to more than the 100 bytes"],
    );
    let many: Vec<(String, Vec<u8>)> = (0..65).map(|k| (format!("x{k}.npy"), vec![])).collect();
    let many: Vec<(&str, Vec<u8>)> = many.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    refused(
        &npz(&many, zip::CompressionMethod::Stored),
        "many.npz",
        &none(),
        &["65 entries"],
    );

    // Not weights at all.
    refused(b"", "w.safetensors", &none(), &["is empty"]);
    refused(
        b"\x80\x02}q\x00",
        "model.pt",
        &none(),
        &["pickle", "safetensors.torch.save_file"],
    );
    refused(b"hello", "notes.txt", &none(), &["not a weights file"]);
    refused(
        b"[1, 2]",
        "w.json",
        &none(),
        &["not the explorer's JSON export"],
    );
    // The format comes from the content when the name says nothing.
    assert!(import(&good, "weights", &none()).is_ok());
    assert!(import(&npz_good, "download", &none()).is_ok());
}

/// A version 1 .npy file with this header text and data, written out byte by byte.
fn npy_by_hand(header: &str, data: &[u8]) -> Vec<u8> {
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    let text = format!("{header}\n");
    out.extend((text.len() as u16).to_le_bytes());
    out.extend(text.as_bytes());
    out.extend(data);
    out
}

/// Rewrites every uncompressed-size field of a zip (local headers and central directory) to `size`.
fn lying_sizes(mut zip: Vec<u8>, size: u32) -> Vec<u8> {
    let mut k = 0;
    while k + 4 <= zip.len() {
        match &zip[k..k + 4] {
            b"PK\x03\x04" => zip[k + 22..k + 26].copy_from_slice(&size.to_le_bytes()),
            b"PK\x01\x02" => zip[k + 24..k + 28].copy_from_slice(&size.to_le_bytes()),
            _ => {}
        }
        k += 1;
    }
    zip
}

fn tms(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tms"))
        .args(args)
        .output()
        .expect("tms runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tms-weights-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_command_line_saves_inspects_and_draws_weights_and_writes_nothing_for_a_bad_file() {
    let dir = scratch("cli");
    let run = |f: &str| s(&dir.join(f)).to_string();
    let (ok, out, err) = tms(&[
        "train",
        "--model",
        "relu-hidden",
        "--hidden-bias",
        "--n",
        "6",
        "--m",
        "3",
        "--batch",
        "64",
        "--steps",
        "200",
        "--save",
        &run("a.safetensors"),
        "--save",
        &run("a.npz"),
        "--save",
        &run("a.json"),
        "--json",
        &run("train.json"),
    ]);
    assert!(ok, "{out}{err}");
    let train: Value = serde_json::from_slice(&std::fs::read(run("train.json")).unwrap()).unwrap();
    for f in ["a.safetensors", "a.npz", "a.json"] {
        let (ok, out, err) = tms(&["inspect", &run(f), "--json", &run("inspect.json")]);
        assert!(ok, "{f}: {out}{err}");
        assert!(out.contains("n = 6, m = 3, relu-hidden with its hidden bias b_h; exported at step 200, fingerprint matches"), "{out}");
        let inspect: Value =
            serde_json::from_slice(&std::fs::read(run("inspect.json")).unwrap()).unwrap();
        assert_eq!(inspect["params"], train["params"], "{f}");
        assert_eq!(inspect["metrics"], train["metrics"], "{f}");
        assert_eq!(inspect["fingerprint"], train["fingerprint"]);
        assert_eq!(
            inspect["config"], train["config"],
            "{f}: the file's settings"
        );
        assert_eq!(inspect["step"], 0, "an imported run starts at its step 0");
    }
    // A bad file: one line, and no --json or --save file written.
    std::fs::write(
        run("bad.safetensors"),
        &std::fs::read(run("a.safetensors")).unwrap()[..50],
    )
    .unwrap();
    let (ok, out, err) = tms(&[
        "inspect",
        &run("bad.safetensors"),
        "--json",
        &run("bad.json"),
        "--save",
        &run("bad.npz"),
    ]);
    assert!(!ok, "{out}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("truncated"), "{err}");
    assert!(!dir.join("bad.json").exists() && !dir.join("bad.npz").exists());
    // A --save name without a weights extension is refused before any training.
    let (ok, _, err) = tms(&["train", "--steps", "10000000", "--save", &run("a.pt")]);
    assert!(
        !ok && err.contains("--save") && err.contains(".safetensors"),
        "{err}"
    );
    // render draws the imported model as it is; train continues from it.
    let (ok, out, err) = tms(&[
        "render",
        "--weights",
        &run("a.npz"),
        "--view",
        "stack",
        "--svg",
        &run("stack.svg"),
    ]);
    assert!(ok, "{out}{err}");
    assert!(std::fs::read_to_string(run("stack.svg"))
        .unwrap()
        .contains("<svg"));
    let (ok, out, err) = tms(&[
        "train",
        "--weights",
        &run("a.npz"),
        "--step",
        "50",
        "--json",
        &run("more.json"),
    ]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("from the file's weights (step 0; fresh AdamW state) to step 50"),
        "{out}"
    );
    let more: Value = serde_json::from_slice(&std::fs::read(run("more.json")).unwrap()).unwrap();
    assert_eq!(more["step"], 50);
    assert_ne!(more["params"], train["params"]);
    // --model on a tied W, and a setting that cannot apply, are said.
    let (ok, out, _) = tms(&["inspect", &run("a.json"), "--n", "9"]);
    assert!(
        ok && out.contains("--n 9 ignored: the weights have n = 6"),
        "{out}"
    );
    // A sweep writes one file per kept run, named by its value.
    let (ok, out, err) = tms(&[
        "sweep",
        "--n",
        "4",
        "--m",
        "2",
        "--batch",
        "32",
        "--steps",
        "20",
        "--densities",
        "1,0.1",
        "--save",
        &run("sweep.safetensors"),
    ]);
    assert!(ok, "{out}{err}");
    for v in [1.0, 0.1] {
        let f = run(&format!("sweep-density-{v}.safetensors"));
        let (ok, out, err) = tms(&["inspect", &f, "--json", &run("sweep.json")]);
        assert!(ok, "{f}: {out}{err}");
        assert!(
            out.contains("exported at step 20, fingerprint matches"),
            "{out}"
        );
        let json: Value =
            serde_json::from_slice(&std::fs::read(run("sweep.json")).unwrap()).unwrap();
        assert_eq!(
            json["config"]["density"][0].as_f64().unwrap() as f32,
            v as f32,
            "{f}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The virtual environment's python (`.ci/tools.sh` makes it and sets TMS_PYTHON), or None outside
/// the test command when it was never made.
fn python() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("TMS_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/venv/bin/python");
    p.exists().then_some(p)
}

fn run_python(python: &Path, args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/weights_python.py");
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "python {args:?}: {text}");
    text
}

#[test]
fn python_reads_the_exports_and_the_explorer_reads_what_python_writes() {
    let Some(python) = python() else {
        eprintln!(
            "skipped: no Python with numpy and safetensors (bash .ci/test makes target/venv)"
        );
        return;
    };
    let dir = scratch("python");
    for (k, t) in runs().iter().enumerate() {
        let stem = format!("run{k}");
        for format in Format::ALL {
            std::fs::write(
                dir.join(format!("{stem}.{}", format.id())),
                export(t, format),
            )
            .unwrap();
        }
        // The explorer's outputs on a few rows, for Python to recompute with the notebook's einsums.
        let n = t.config().n;
        let x: Vec<Vec<f32>> = (0..4)
            .map(|r| {
                (0..n)
                    .map(|i| {
                        if (i + r) % 3 == 0 {
                            0.0
                        } else {
                            ((i * 7 + r * 3) % 10) as f32 / 10.0 - 0.3
                        }
                    })
                    .collect()
            })
            .collect();
        let out: Vec<Vec<f32>> = x
            .iter()
            .map(|row| t.model().forward(t.params(), row))
            .collect();
        std::fs::write(
            dir.join(format!("{stem}.forward.json")),
            serde_json::json!({"x": x, "out": out}).to_string(),
        )
        .unwrap();
        let said = run_python(&python, &["check-export", s(&dir), &stem]);
        assert!(said.starts_with(&format!("ok {stem}")), "{said}");
    }
    // Python writes the notebook's shapes; tms inspect reads instance 3 to Python's metrics.
    run_python(&python, &["notebook", s(&dir), "3"]);
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    for (file, note) in [
        ("notebook.safetensors", None),
        ("notebook.npz", None),
        (
            "notebook64.npz",
            Some("W was float64; converted to float32"),
        ),
        (
            "arena.safetensors",
            Some("read as [m, n] (the paper's layout)"),
        ),
    ] {
        let out_json = dir.join(format!("{file}.json"));
        let (ok, out, err) = tms(&[
            "inspect",
            s(&dir.join(file)),
            "--instance",
            "3",
            "--json",
            s(&out_json),
        ]);
        assert!(ok, "{file}: {out}{err}");
        let want_shape = if file.starts_with("arena") {
            "W [10, 2, 5]"
        } else {
            "W [10, 5, 2]"
        };
        assert!(
            out.contains(&format!("{want_shape}, b_final [10, 5]: instance 3 of 10, n = 5, m = 2, relu-output assumed; set the model if it is another")),
            "{file}: {out}"
        );
        if let Some(note) = note {
            assert!(out.contains(note), "{file}: {out}");
        }
        let got: Value = serde_json::from_slice(&std::fs::read(&out_json).unwrap()).unwrap();
        let metrics = &got["metrics"];
        for key in ["feature_norms", "superposition", "dimensionality"] {
            let (g, w) = (
                metrics[key].as_array().unwrap(),
                expected[key].as_array().unwrap(),
            );
            assert_eq!(g.len(), 5, "{key}");
            for (a, b) in g.iter().zip(w) {
                let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
                assert!(
                    (a - b).abs() <= 1e-5 + 1e-5 * b.abs(),
                    "{file} {key}: {a} (explorer) vs {b} (numpy)"
                );
            }
        }
        let (a, b) = (
            metrics["dims_per_feature"].as_f64().unwrap(),
            expected["dims_per_feature"].as_f64().unwrap(),
        );
        assert!((a - b).abs() <= 1e-5 * b.abs(), "D*: {a} vs {b}");
        assert_eq!(
            metrics["features_represented"],
            expected["features_represented"]
        );
        let f32s = |v: &Value| -> Vec<f32> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect()
        };
        let (b_got, b_want) = (f32s(&got["params"]["b"]), f32s(&expected["b_final"]));
        assert_eq!(b_got, b_want, "{file}: instance 3's b_final exactly");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
