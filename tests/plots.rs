//! Plots (`plot`, `scatter`, `hist`, `imshow`, `figure`/`show`): each kind written to SVG (parsed
//! as XML: the title, axis labels and legend present, one line or mark per series) and to PNG
//! (decoded: its size, and pixels of the series colour); the terminal chart's exact text for a
//! known series; and each error, from the checker or when running.

mod common;

use std::path::{Path, PathBuf};
use tscript::diag::Code;

/// The colour of the first series (matplotlib's blue), in SVG and as RGB.
const BLUE_SVG: &str = "#1F77B4";
const BLUE: [u8; 3] = [31, 119, 180];
/// The colour of the second series (orange).
const ORANGE_SVG: &str = "#FF7F0E";

fn scratch(name: &str) -> PathBuf {
    common::scratch("plots", name)
}

/// Runs `src` with `DIR` replaced by the scratch directory `dir`; panics on an error.
fn run_in(dir: &Path, src: &str) -> String {
    let src = src.replace("DIR", &dir.to_string_lossy());
    common::run(&src).unwrap_or_else(|d| panic!("{src}\nfailed: {} {}", d.code.as_str(), d.message))
}

/// The first diagnostic of running `src`.
fn error(src: &str) -> tscript::diag::Diag {
    common::run(src).expect_err("the script fails")
}

/// The first diagnostic of checking `src`, which must fail before anything runs.
fn check_error(src: &str) -> tscript::diag::Diag {
    let out = tscript::Output::default();
    let mut session = tscript::Session::new(Box::new(out.clone()), vec![], tscript::blas::ThreadPolicy::new(None));
    let diags = session.check("t.tsc", src).err().unwrap_or_else(|| panic!("the checker accepts {src}"));
    assert_eq!(out.text(), "", "nothing ran");
    diags.into_iter().next().expect("a diagnostic")
}

/// A parsed SVG: its texts, and its elements by name with their attributes.
struct Svg {
    texts: Vec<String>,
    elements: Vec<(String, Vec<(String, String)>)>,
}

impl Svg {
    fn read(path: &Path) -> Svg {
        let text = std::fs::read_to_string(path).expect("the SVG is written");
        let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let texts = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "text")
            .map(|n| n.text().unwrap_or("").trim().to_string())
            .collect();
        let elements = doc
            .descendants()
            .filter(|n| n.is_element())
            .map(|n| {
                let attrs = n.attributes().map(|a| (a.name().to_string(), a.value().to_string())).collect();
                (n.tag_name().name().to_string(), attrs)
            })
            .collect();
        Svg { texts, elements }
    }

    fn has_text(&self, t: &str) -> bool {
        self.texts.iter().any(|x| x == t)
    }

    /// The elements called `tag` whose attribute `key` is `value`.
    fn count(&self, tag: &str, key: &str, value: &str) -> usize {
        self.elements
            .iter()
            .filter(|(name, attrs)| name == tag && attrs.iter().any(|(k, v)| k == key && v == value))
            .count()
    }
}

/// A decoded PNG: width, height and RGB pixels.
fn read_png(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).expect("the PNG is written")));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let pixels = buf[..info.buffer_size()].chunks(3).map(|p| [p[0], p[1], p[2]]).collect();
    (info.width, info.height, pixels)
}

/// Checks a PNG's size, that it is not blank, and how many pixels have the colour `rgb`.
fn check_png(path: &Path, size: (u32, u32), rgb: [u8; 3], at_least: usize) {
    let (w, h, pixels) = read_png(path);
    assert_eq!((w, h), size, "{}", path.display());
    let ink = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
    assert!(ink > 2000, "{}: only {ink} pixels are not white", path.display());
    let coloured = pixels.iter().filter(|p| **p == rgb).count();
    assert!(coloured >= at_least, "{}: {coloured} pixels of {rgb:?}, expected {at_least}", path.display());
}

#[test]
fn lines_of_a_matrix_go_to_svg_and_png_with_a_legend() {
    let dir = scratch("lines");
    let src = "let t = linspace(0.0, 3.0, 40)\n\
               let Y = [exp(-t), exp(-2 * t)].T\n\
               plot(t, Y, title=\"Two rates\", xlabel=\"step\", ylabel=\"loss\", label=\"rate\", file=\"DIR/lines.svg\")\n\
               plot(t, Y, title=\"Two rates\", file=\"DIR/lines.png\")\n";
    assert_eq!(run_in(&dir, src), "", "a plot to a file prints nothing");
    let svg = Svg::read(&dir.join("lines.svg"));
    for text in ["Two rates", "step", "loss", "rate 0", "rate 1"] {
        assert!(svg.has_text(text), "{text:?} is not among {:?}", svg.texts);
    }
    // Each column's line, and its mark in the legend.
    assert_eq!(svg.count("polyline", "stroke", BLUE_SVG), 2, "the first column");
    assert_eq!(svg.count("polyline", "stroke", ORANGE_SVG), 2, "the second column");
    check_png(&dir.join("lines.png"), (800, 500), BLUE, 200);
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "no temporary file is left: {leftovers:?}");
}

#[test]
fn a_scatter_has_one_colour_per_class() {
    let dir = scratch("scatter");
    let src = "let x = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]\n\
               let y = [1.0, 0.0, 2.0, 1.0, 3.0, 2.0]\n\
               scatter(x, y, c=[0, 0, 0, 1, 1, 1], title=\"classes\", file=\"DIR/s.svg\")\n\
               scatter(x, y, c=[0, 0, 0, 1, 1, 1], file=\"DIR/s.png\")\n";
    run_in(&dir, src);
    let svg = Svg::read(&dir.join("s.svg"));
    assert!(svg.has_text("classes") && svg.has_text("c = 0") && svg.has_text("c = 1"), "{:?}", svg.texts);
    // Three points of each class, and one mark of each in the legend.
    assert_eq!(svg.count("circle", "fill", BLUE_SVG), 4);
    assert_eq!(svg.count("circle", "fill", ORANGE_SVG), 4);
    check_png(&dir.join("s.png"), (800, 500), BLUE, 50);
}

#[test]
fn a_histogram_has_one_bar_per_bin() {
    let dir = scratch("hist");
    let src =
        "hist([1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0], bins=4, title=\"counts\", xlabel=\"value\", file=\"DIR/h.svg\")\n\
               hist([1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0], bins=4, file=\"DIR/h.png\")\n";
    run_in(&dir, src);
    let svg = Svg::read(&dir.join("h.svg"));
    assert!(svg.has_text("counts") && svg.has_text("value"), "{:?}", svg.texts);
    assert_eq!(svg.count("rect", "stroke", BLUE_SVG), 4, "one outlined bar per bin");
    check_png(&dir.join("h.png"), (800, 500), BLUE, 10);
}

#[test]
fn an_image_has_one_cell_per_element() {
    let dir = scratch("imshow");
    let src = "let A = reshape(linspace(0.0, 1.0, 12), 3, 4)\n\
               imshow(A, title=\"weights\", file=\"DIR/a.svg\")\n\
               imshow(A, file=\"DIR/a.png\")\n";
    run_in(&dir, src);
    let svg = Svg::read(&dir.join("a.svg"));
    assert!(svg.has_text("weights") && svg.has_text("from 0 (purple) to 1 (yellow)"), "{:?}", svg.texts);
    // Viridis from dark purple (the smallest element) to yellow (the largest).
    assert_eq!(svg.count("rect", "fill", "#440154"), 1);
    assert_eq!(svg.count("rect", "fill", "#FDE725"), 1);
    check_png(&dir.join("a.png"), (640, 640), [253, 231, 37], 1000);
}

#[test]
fn a_figure_collects_calls_until_show() {
    let dir = scratch("figure");
    let src = "figure(title=\"Step sizes\", logy=true)\n\
               plot([1.0, 0.5, 0.25], label=\"lr=0.1\")\n\
               plot([1.0, 0.8, 0.6], label=\"lr=0.01\")\n\
               plot([1.0, 0.9, 0.85], label=\"lr=0.001\")\n\
               show(file=\"DIR/steps.svg\")\n";
    run_in(&dir, src);
    let svg = Svg::read(&dir.join("steps.svg"));
    for text in ["Step sizes", "lr=0.1", "lr=0.01", "lr=0.001", "1", "0.1"] {
        assert!(svg.has_text(text), "{text:?} is not among {:?}", svg.texts);
    }
    let series = svg.count("polyline", "stroke-width", "2");
    assert_eq!(series, 6, "three lines and three legend marks");
}

#[test]
fn the_terminal_chart_of_a_known_series() {
    let out = common::run("plot([0.0, 1.0, 4.0, 9.0, 16.0], title=\"squares\", xlabel=\"n\")").unwrap();
    let expected = concat!(
        "                              squares\n",
        "   ┌────────────────────────────────────────────────────────────┐\n",
        "20 ┤                                                            │\n",
        "   │                                                            │\n",
        "   │                                                            │\n",
        "   │                                                         ⣀⠔⠊│\n",
        "15 ┤                                                      ⣀⠔⠊   │\n",
        "   │                                                   ⣀⠔⠊      │\n",
        "   │                                                ⣀⠔⠊         │\n",
        "10 ┤                                             ⣀⠔⠊            │\n",
        "   │                                         ⢀⡠⠔⠊               │\n",
        "   │                                     ⢀⡠⠔⠊⠁                  │\n",
        "   │                                 ⢀⡠⠔⠊⠁                      │\n",
        " 5 ┤                             ⢀⡠⠔⠊⠁                          │\n",
        "   │                      ⢀⣀⡠⠤⠒⠊⠉⠁                              │\n",
        "   │                ⣀⡠⠤⠔⠒⠉⠁                                     │\n",
        " 0 ┤⣀⣀⡠⠤⠤⠤⠤⠔⠒⠒⠒⠒⠊⠉⠉⠉                                            │\n",
        "   └┬──────────────┬──────────────┬─────────────┬──────────────┬┘\n",
        "    0              1              2             3              4\n",
        "                                 n\n",
    );
    assert_eq!(out, expected, "\n{out}");
}

#[test]
fn terminal_histograms_images_and_legends() {
    let hist = common::run("hist([1.0, 2.0, 2.0, 3.0], bins=2)").unwrap();
    assert_eq!(hist, "[1, 2) ┤█████████████▍ 1\n[2, 3] ┤████████████████████████████████████████ 3\n       └\n");
    let image = common::run("imshow([[0.0, 1.0], [0.5, 1.0]])").unwrap();
    assert_eq!(image, "┌────┐\n│  ██│\n│▒▒██│\n└────┘\n 0 → 1: ░▒▓█\n");
    let legend = common::run("figure()\nplot([1.0, 2.0], label=\"a\")\nplot([2.0, 1.0], label=\"b\")\nshow()").unwrap();
    assert!(legend.ends_with("⠤⠤ a   ++ b\n"), "{legend}");
    assert!(legend.contains('+') && legend.contains('⠉'), "{legend}");
}

#[test]
fn wrong_arguments_are_checker_errors() {
    let cases = [
        ("plot([1.0, 2.0], [1.0, 2.0, 3.0])", Code::TypeShape, "x and y of one length, but x has 2 and y has 3"),
        ("plot(\"loss\")", Code::TypeMismatch, "draws numbers"),
        ("plot(1.5)", Code::TypeMismatch, "not the number"),
        ("plot([1.0], title=2)", Code::TypeMismatch, "`title` of `plot` must be a str"),
        ("plot([1.0], logy=1)", Code::TypeMismatch, "`logy` of `plot` must be true or false"),
        ("plot(ones(2, 2, 2))", Code::TypeShape, "a vector or a matrix"),
        ("hist([1.0], bins=0)", Code::RuntimeValue, "`bins` must be at least 1"),
        ("imshow([1.0, 2.0])", Code::TypeShape, "needs a matrix"),
        ("scatter([1.0, 2.0], [1.0, 2.0], c=[1.0])", Code::TypeShape, "x and c of one length"),
        ("show(file=3)", Code::TypeMismatch, "`file` of `show` must be a str"),
    ];
    for (src, code, words) in cases {
        let d = check_error(src);
        assert_eq!(d.code, code, "{src}: {}", d.message);
        assert!(d.message.contains(words), "{src}: {}", d.message);
    }
}

#[test]
fn errors_found_when_running() {
    let dir = scratch("errors");
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let cases = [
        (format!("plot([1.0], file=\"{}\")", path("loss.jpg")), Code::RuntimeValue, "not as `.jpg`"),
        (format!("plot([1.0], file=\"{}\")", path("no/such/dir/a.svg")), Code::Io, "no such file or directory"),
        ("plot(zeros(0))".to_string(), Code::RuntimeValue, "is empty"),
        ("plot(zeros(3) / 0.0)".to_string(), Code::RuntimeValue, "no finite value"),
        ("hist([-1e308, 1e308])".to_string(), Code::RuntimeValue, "spans too wide a range"),
        ("scatter([1.0, 2.0], [1.0, 2.0], c=[1.0, 0.0 / 0.0])".to_string(), Code::RuntimeValue, "c[1] is nan"),
        ("plot([1.0, 0.0], logy=true)".to_string(), Code::RuntimeValue, "needs values above 0"),
        ("show()".to_string(), Code::RuntimeValue, "no figure to draw"),
        ("figure()\nshow()".to_string(), Code::RuntimeValue, "the figure is empty"),
        (format!("figure()\nplot([1.0], file=\"{}\")", path("a.svg")), Code::RuntimeValue, "cannot write a file"),
        ("figure()\nimshow([[1.0]])".to_string(), Code::RuntimeValue, "a figure of its own"),
        ("figure()\nplot([1.0])\nhist([1.0])".to_string(), Code::RuntimeValue, "not both"),
        // A length known only when running: `n` comes from the command line.
        ("let n = len(args()) + 3\nplot(ones(n), ones(4))".to_string(), Code::RuntimeShape, "x has 3 and y has 4"),
    ];
    for (src, code, words) in cases {
        let d = error(&src);
        assert_eq!(d.code, code, "{src}: {}", d.message);
        assert!(d.message.contains(words), "{src}: {}", d.message);
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no file, temporary or not, is left");
}

#[test]
fn a_file_is_replaced_whole() {
    let dir = scratch("replace");
    let target = dir.join("p.svg");
    std::fs::write(&target, "old").unwrap();
    run_in(&dir, "plot([1.0, 2.0], title=\"new\", file=\"DIR/p.svg\")");
    assert!(Svg::read(&target).has_text("new"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}
