//! The kernelspec: the folder `kernels/tscript` (`kernel.json` and two logos) where Jupyter
//! looks for kernels, written by `tscript jupyter install` and removed by `uninstall`.

use serde_json::json;
use std::path::{Path, PathBuf};

/// The kernel's name: its folder under `kernels/`, and what `jupyter kernelspec list` shows.
pub const KERNEL_NAME: &str = "tscript";

/// Where a kernelspec goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// The user's Jupyter data folder (`JUPYTER_DATA_DIR`, else `$XDG_DATA_HOME/jupyter` or
    /// `~/.local/share/jupyter`; `~/Library/Jupyter` on macOS). The default.
    User,
    /// The active Python environment (`VIRTUAL_ENV`, else `CONDA_PREFIX`, else `sys.prefix` of
    /// `python3`): `PREFIX/share/jupyter`.
    SysPrefix,
    /// `DIR/share/jupyter`, as `jupyter kernelspec install --prefix DIR` does.
    Prefix(PathBuf),
}

/// The `kernels/tscript` folder of a place, or why it cannot be found.
pub fn kernel_dir(place: &Place) -> Result<PathBuf, String> {
    let data = match place {
        Place::User => user_data_dir()?,
        Place::SysPrefix => sys_prefix()?.join("share").join("jupyter"),
        Place::Prefix(dir) => dir.join("share").join("jupyter"),
    };
    Ok(data.join("kernels").join(KERNEL_NAME))
}

/// The user's Jupyter data folder, as `jupyter --data-dir` finds it.
fn user_data_dir() -> Result<PathBuf, String> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("JUPYTER_DATA_DIR") {
        return Ok(dir);
    }
    let home = var("HOME");
    if cfg!(target_os = "macos") {
        return home.map(|h| h.join("Library").join("Jupyter")).ok_or_else(no_home);
    }
    match var("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
        Some(data) => Ok(data.join("jupyter")),
        None => home.map(|h| h.join(".local").join("share").join("jupyter")).ok_or_else(no_home),
    }
}

fn no_home() -> String {
    "HOME is not set, so the user's Jupyter folder is unknown; give --prefix DIR".into()
}

/// The prefix of the active Python environment.
fn sys_prefix() -> Result<PathBuf, String> {
    for name in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(dir) = std::env::var_os(name).filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
    }
    let output = std::process::Command::new("python3").args(["-c", "import sys; print(sys.prefix)"]).output();
    match output {
        Ok(out) if out.status.success() => Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())),
        _ => Err("no Python environment is active and `python3` cannot be run; give --prefix DIR or --user".into()),
    }
}

/// The text of `kernel.json` for the binary at `exe`.
pub fn kernel_json(exe: &Path) -> String {
    let spec = json!({
        "argv": [exe.to_string_lossy(), "jupyter", "kernel", "{connection_file}"],
        "display_name": "TensorScript",
        "language": "tscript",
        "interrupt_mode": "message",
        "metadata": { "debugger": false },
    });
    serde_json::to_string_pretty(&spec).expect("JSON values serialise") + "\n"
}

/// Writes the kernelspec of this binary into `dir` (created if needed).
pub fn install(dir: &Path) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program's own path: {e}"))?;
    let exe = exe.canonicalize().unwrap_or(exe);
    let fail = |what: &str, e: std::io::Error| format!("cannot write {what} in {}: {e}", dir.display());
    std::fs::create_dir_all(dir).map_err(|e| fail("the kernel folder", e))?;
    std::fs::write(dir.join("kernel.json"), kernel_json(&exe)).map_err(|e| fail("kernel.json", e))?;
    for size in [32, 64] {
        let name = format!("logo-{size}x{size}.png");
        std::fs::write(dir.join(&name), logo(size)).map_err(|e| fail(&name, e))?;
    }
    Ok(())
}

/// Removes the kernelspec folder `dir`.
pub fn uninstall(dir: &Path) -> Result<(), String> {
    if !dir.join("kernel.json").is_file() {
        return Err(format!("no TensorScript kernel is installed in {}", dir.display()));
    }
    std::fs::remove_dir_all(dir).map_err(|e| format!("cannot remove {}: {e}", dir.display()))
}

/// The logo, `size` pixels square, as PNG bytes: gradient descent itself — orange steps down
/// a white parabola on a dark blue rounded square.
pub fn logo(size: u32) -> Vec<u8> {
    let s = f64::from(size);
    // The steps of gradient descent on f(x) = x², from x = -0.8 with step size 0.3.
    let steps: Vec<(f64, f64)> =
        std::iter::successors(Some(-0.8f64), |x| Some(x - 0.3 * 2.0 * x)).take(4).map(|x| (x, x * x)).collect();
    // Unit coordinates: x in [-1, 1] left to right, y = x² in [0, 1] bottom to top.
    let to_unit = |px: f64, py: f64| ((px / s) * 2.4 - 1.2, (1.0 - py / s) * 1.3 - 0.15);
    let paint = |px: f64, py: f64| -> [f64; 4] {
        let edge = (px.min(s - px).min(py).min(s - py)) / s;
        let corner = {
            let r = 0.18 * s;
            let (cx, cy) = (px.clamp(r, s - r), py.clamp(r, s - r));
            ((px - cx).powi(2) + (py - cy).powi(2)).sqrt() <= r
        };
        if edge < 0.0 || !corner {
            return [0.0; 4];
        }
        let (x, y) = to_unit(px, py);
        let pixel = 2.4 / s;
        if steps.iter().any(|&(sx, sy)| (x - sx).hypot(y - sy) < 0.13) {
            return [1.0, 0.55, 0.1, 1.0];
        }
        if (y - x * x).abs() / (1.0 + 4.0 * x * x).sqrt() < 0.06 + pixel / 2.0 && x.abs() <= 1.0 {
            return [1.0, 1.0, 1.0, 1.0];
        }
        [0.12, 0.23, 0.45, 1.0]
    };
    // Four by four samples a pixel, for smooth edges.
    let mut rgba = Vec::with_capacity((size * size * 4) as usize);
    for py in 0..size {
        for px in 0..size {
            let mut sum = [0.0; 4];
            for (i, j) in (0..16).map(|k| (k % 4, k / 4)) {
                let c = paint(f64::from(px) + (f64::from(i) + 0.5) / 4.0, f64::from(py) + (f64::from(j) + 0.5) / 4.0);
                for (total, part) in sum.iter_mut().zip([c[0] * c[3], c[1] * c[3], c[2] * c[3], c[3]]) {
                    *total += part / 16.0;
                }
            }
            let alpha = sum[3];
            let colour = |v: f64| if alpha > 0.0 { (v / alpha * 255.0).round() as u8 } else { 0 };
            rgba.extend([colour(sum[0]), colour(sum[1]), colour(sum[2]), (alpha * 255.0).round() as u8]);
        }
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, size, size);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let written = encoder.write_header().and_then(|mut writer| writer.write_image_data(&rgba));
    written.expect("a PNG of a fixed size encodes into memory");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_json_runs_this_binary_with_the_connection_file() {
        let text = kernel_json(Path::new("/opt/bin/tscript"));
        let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(spec["argv"], json!(["/opt/bin/tscript", "jupyter", "kernel", "{connection_file}"]));
        assert_eq!(spec["display_name"], "TensorScript");
        assert_eq!(spec["language"], "tscript");
        assert_eq!(spec["interrupt_mode"], "message");
    }

    #[test]
    fn a_prefix_puts_the_spec_under_share_jupyter() {
        let dir = kernel_dir(&Place::Prefix(PathBuf::from("/tmp/p"))).unwrap();
        assert_eq!(dir, PathBuf::from("/tmp/p/share/jupyter/kernels/tscript"));
    }

    #[test]
    fn the_logos_are_pngs_of_their_size() {
        for size in [32, 64] {
            let bytes = logo(size);
            let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
            let mut reader = decoder.read_info().expect("a PNG");
            let mut pixels = vec![0; reader.output_buffer_size()];
            let info = reader.next_frame(&mut pixels).expect("one frame");
            assert_eq!((info.width, info.height), (size, size));
            let at = |x: u32, y: u32| &pixels[((y * size + x) * 4) as usize..][..4];
            assert_eq!(at(0, 0)[3], 0, "the corners are transparent");
            assert_eq!(at(size / 8, size / 2), [31, 59, 115, 255], "blue inside");
        }
    }
}
