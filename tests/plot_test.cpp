// plot_test.cpp — the gnuplot piece of the examples: scripts, escaping, the pipe, and failure.
//
// The commands are captured by giving the Plotter `cat >> FILE` instead of gnuplot; when gnuplot
// is installed, a real PNG is drawn and checked to be one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../examples/common/plot.h"

namespace fs = std::filesystem;

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

// A fresh, empty folder under the system's temporary directory, removed at the end of the test.
struct TempDir {
    std::string path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "ag_plot_test_XXXXXX").string();
        char* made = mkdtemp(pattern.data());
        if (!made) throw std::runtime_error("mkdtemp failed");
        path = made;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

bool gnuplot_installed() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

ex::Figure two_panel_figure() {
    ex::Figure figure("loss_curve", "It's the_loss \"quoted\"");
    ex::Panel top("loss of run_1", "epoch", "MSE");
    top.series.push_back({"loss.dat", "1:2", "Training Loss"});
    ex::Panel bottom("gradient norms", "epoch", "norm");
    bottom.log_y = true;
    bottom.series.push_back({"loss.dat", "1:3", "rnn1's norm"});
    figure.panels = {top, bottom};
    return figure;
}

void write_loss_dat(const std::string& dir) {
    std::ofstream out(dir + "/loss.dat");
    out << "# epoch loss grad_norm\n1 0.6 0.3\n2 0.5 0.2\n3 0.45 0.1\n4 0.41 0.05\n";
}

}  // namespace

TEST(PlotMode, ParsesTheSixWordsAndRejectsOthers) {
    EXPECT_EQ(ex::parse_plot_mode("auto"), ex::PlotMode::Auto);
    EXPECT_EQ(ex::parse_plot_mode("window"), ex::PlotMode::Window);
    EXPECT_EQ(ex::parse_plot_mode("png"), ex::PlotMode::Png);
    EXPECT_EQ(ex::parse_plot_mode("svg"), ex::PlotMode::Svg);
    EXPECT_EQ(ex::parse_plot_mode("dumb"), ex::PlotMode::Dumb);
    EXPECT_EQ(ex::parse_plot_mode("none"), ex::PlotMode::None);
    EXPECT_THROW(ex::parse_plot_mode("jpeg"), std::invalid_argument);
    EXPECT_THROW(ex::parse_plot_mode("PNG"), std::invalid_argument);
    EXPECT_STREQ(ex::plot_mode_name(ex::PlotMode::Dumb), "dumb");
}

TEST(PlotScript, QuotesAreDoubledAndNewlinesRemoved) {
    EXPECT_EQ(ex::gp_quote("plain"), "'plain'");
    EXPECT_EQ(ex::gp_quote("it's a_b"), "'it''s a_b'");
    EXPECT_EQ(ex::gp_quote("say \"hi\"\\n"), "'say \"hi\"\\n'");  // nothing else is special in '...'
    EXPECT_EQ(ex::gp_quote("two\nlines"), "'two lines'");
}

TEST(PlotScript, HasTerminalsPanelsAndEscapedTitles) {
    const std::string gp = ex::gnuplot_script(two_panel_figure(), "plot_test");
    EXPECT_NE(gp.find("if (!exists(\"mode\")) mode = \"png\""), std::string::npos);
    EXPECT_NE(gp.find("set terminal pngcairo size 900,560 noenhanced"), std::string::npos);
    EXPECT_NE(gp.find("set output \"loss_curve.png\""), std::string::npos);
    EXPECT_NE(gp.find("set output \"loss_curve.svg\""), std::string::npos);
    EXPECT_NE(gp.find("set terminal dumb size 110,56"), std::string::npos);  // 2 rows of 28 lines
    EXPECT_NE(gp.find("set multiplot layout 2,1 title 'It''s the_loss \"quoted\"'"), std::string::npos);
    EXPECT_NE(gp.find("set title 'loss of run_1'"), std::string::npos);
    EXPECT_NE(gp.find("plot 'loss.dat' using 1:2 with linespoints title 'Training Loss'"), std::string::npos);
    EXPECT_NE(gp.find("set logscale y"), std::string::npos);
    EXPECT_NE(gp.find("title 'rnn1''s norm'"), std::string::npos);
    EXPECT_NE(gp.find("unset multiplot"), std::string::npos);
    // The script ends by closing the picture file.
    EXPECT_EQ(gp.substr(gp.size() - 11), "set output\n");
}

TEST(PlotScript, HeatMapDrawsOneCellFamilyPerDimension) {
    ex::Panel p = ex::heat_map("PE", "pe.dat", 2, 8, 9, 1.0, "dimension", "position");
    ASSERT_EQ(p.series.size(), 1u);
    EXPECT_EQ(p.series[0].loop, "for [d=0:7]");
    EXPECT_EQ(p.series[0].columns, "(d):($0):(0.5):(0.5):(column(d+2))");
    EXPECT_NE(p.extra.find("set cbrange [-1:1]"), std::string::npos);
    EXPECT_NE(p.extra.find("set yrange [8.5:-0.5]"), std::string::npos);  // row 0 at the top
}

TEST(Plotter, SendsTheScriptDownThePipeAndWritesItBesideTheData) {
    TempDir tmp;
    const std::string captured = tmp.path + "/commands.txt";
    ex::Plotter plotter(ex::PlotMode::Png, tmp.path, "plot_test", "cat >> " + captured);
    ASSERT_EQ(plotter.renders().size(), 1u);
    plotter.draw(two_panel_figure());
    EXPECT_FALSE(plotter.gnuplot_failed());

    const std::string script = read_all(tmp.path + "/loss_curve.gp");
    EXPECT_EQ(script, ex::gnuplot_script(two_panel_figure(), "plot_test"));
    const std::string sent = read_all(captured);
    EXPECT_EQ(sent, "cd '" + tmp.path + "'\nreset\nmode = 'png'\n" + script);
    ASSERT_EQ(plotter.pictures().size(), 1u);
    EXPECT_EQ(plotter.pictures()[0], tmp.path + "/loss_curve.png");
}

TEST(Plotter, NoneWritesTheScriptButStartsNothing) {
    TempDir tmp;
    const std::string captured = tmp.path + "/commands.txt";
    ex::Plotter plotter(ex::PlotMode::None, tmp.path, "plot_test", "cat >> " + captured);
    EXPECT_TRUE(plotter.renders().empty());
    plotter.draw(two_panel_figure());
    EXPECT_TRUE(fs::exists(tmp.path + "/loss_curve.gp"));
    EXPECT_FALSE(fs::exists(captured));
}

TEST(Plotter, DumbSkipsHeatMaps) {
    TempDir tmp;
    const std::string captured = tmp.path + "/commands.txt";
    ex::Plotter plotter(ex::PlotMode::Dumb, tmp.path, "plot_test", "cat >> " + captured);
    ex::Figure heat("heat", "a heat map");
    heat.panels.push_back(ex::heat_map("PE", "pe.dat", 2, 4, 3, 1.0, "dimension", "position"));
    heat.ascii_friendly = false;
    testing::internal::CaptureStdout();
    plotter.draw(heat);
    const std::string out = testing::internal::GetCapturedStdout();
    EXPECT_NE(out.find("no ASCII rendering"), std::string::npos);
    EXPECT_FALSE(fs::exists(captured));
    EXPECT_TRUE(fs::exists(tmp.path + "/heat.gp"));
}

TEST(Plotter, AutoPicksWindowWithADisplayElsePng) {
    const char* old_display = std::getenv("DISPLAY");
    const char* old_wayland = std::getenv("WAYLAND_DISPLAY");
    const std::string saved_display = old_display ? old_display : "";
    const std::string saved_wayland = old_wayland ? old_wayland : "";

    setenv("DISPLAY", ":0", 1);
    unsetenv("WAYLAND_DISPLAY");
    ex::Plotter with_x(ex::PlotMode::Auto, ".", "plot_test", "cat > /dev/null");
    ASSERT_EQ(with_x.renders().size(), 1u);
    EXPECT_EQ(with_x.renders()[0], ex::PlotMode::Window);

    unsetenv("DISPLAY");
    setenv("WAYLAND_DISPLAY", "wayland-0", 1);
    ex::Plotter with_wayland(ex::PlotMode::Auto, ".", "plot_test", "cat > /dev/null");
    EXPECT_EQ(with_wayland.renders()[0], ex::PlotMode::Window);

    unsetenv("WAYLAND_DISPLAY");
    ex::Plotter headless(ex::PlotMode::Auto, ".", "plot_test", "cat > /dev/null");
    ASSERT_FALSE(headless.renders().empty());
    EXPECT_EQ(headless.renders()[0], ex::PlotMode::Png);  // plus Dumb only when stdout is a terminal

    if (old_display) setenv("DISPLAY", saved_display.c_str(), 1); else unsetenv("DISPLAY");
    if (old_wayland) setenv("WAYLAND_DISPLAY", saved_wayland.c_str(), 1); else unsetenv("WAYLAND_DISPLAY");
}

TEST(Plotter, AMissingGnuplotSaysHowToInstallItOnceAndDoesNotThrow) {
    TempDir tmp;
    ex::Plotter plotter(ex::PlotMode::Png, tmp.path, "plot_test", tmp.path + "/no_such_gnuplot");
    testing::internal::CaptureStderr();
    EXPECT_NO_THROW(plotter.draw(two_panel_figure()));
    EXPECT_NO_THROW(plotter.draw(two_panel_figure()));  // not tried again
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_TRUE(plotter.gnuplot_failed());
    EXPECT_NE(err.find("gnuplot not found"), std::string::npos) << err;
    EXPECT_NE(err.find("apt-get install gnuplot-nox"), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;  // one line, once
    EXPECT_TRUE(fs::exists(tmp.path + "/loss_curve.gp"));
    EXPECT_TRUE(plotter.pictures().empty());
}

TEST(Plotter, AFailingGnuplotIsReportedWithItsError) {
    TempDir tmp;
    // A stand-in that reads the commands, complains like gnuplot, and exits 1.
    const std::string fake = "cat > /dev/null; echo '         line 12: undefined variable: x' >&2; exit 1";
    ex::Plotter plotter(ex::PlotMode::Png, tmp.path, "plot_test", fake);
    testing::internal::CaptureStderr();
    plotter.draw(two_panel_figure());
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_TRUE(plotter.gnuplot_failed());
    EXPECT_NE(err.find("gnuplot failed on loss_curve.gp (line 12: undefined variable: x)"), std::string::npos) << err;
    EXPECT_NE(err.find("apt-get install gnuplot-nox"), std::string::npos) << err;
}

TEST(Plotter, WindowWithoutWindowTerminalsFallsBackToPng) {
    TempDir tmp;
    // A stand-in for gnuplot-nox: it fails with status 3 when asked to check for a window
    // terminal, and draws (exits 0) otherwise.
    const std::string fake = "cat > '" + tmp.path + "/in.txt'; if grep -q 'GPVAL_TERM' '" + tmp.path +
                             "/in.txt'; then exit 3; fi";
    ex::Plotter plotter(ex::PlotMode::Window, tmp.path, "plot_test", fake);
    testing::internal::CaptureStderr();
    plotter.draw(two_panel_figure());
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("cannot open windows"), std::string::npos) << err;
    EXPECT_FALSE(plotter.gnuplot_failed());
    ASSERT_EQ(plotter.renders().size(), 1u);
    EXPECT_EQ(plotter.renders()[0], ex::PlotMode::Png);
    ASSERT_EQ(plotter.pictures().size(), 1u);
    EXPECT_NE(read_all(tmp.path + "/in.txt").find("mode = 'png'"), std::string::npos);
}

TEST(Plotter, RealGnuplotDrawsAValidPngAndSvg) {
    if (!gnuplot_installed()) GTEST_SKIP() << "gnuplot is not installed (apt-get install gnuplot-nox)";
    TempDir tmp;
    write_loss_dat(tmp.path);
    ex::Plotter png(ex::PlotMode::Png, tmp.path, "plot_test", "gnuplot");
    png.draw(two_panel_figure());  // quotes and underscores in titles must not break gnuplot
    ASSERT_FALSE(png.gnuplot_failed());
    const std::string bytes = read_all(tmp.path + "/loss_curve.png");
    ASSERT_GT(bytes.size(), 1000u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));

    ex::Plotter svg(ex::PlotMode::Svg, tmp.path, "plot_test", "gnuplot");
    svg.draw(two_panel_figure());
    ASSERT_FALSE(svg.gnuplot_failed());
    const std::string text = read_all(tmp.path + "/loss_curve.svg");
    EXPECT_NE(text.find("<svg"), std::string::npos);
    EXPECT_NE(text.find("loss of run_1"), std::string::npos);  // noenhanced: the underscore stays

    // The saved script redraws the same picture on its own, from inside the folder.
    fs::remove(tmp.path + "/loss_curve.png");
    const std::string rerun = "cd '" + tmp.path + "' && gnuplot loss_curve.gp 2>/dev/null";
    ASSERT_EQ(std::system(rerun.c_str()), 0);
    EXPECT_EQ(read_all(tmp.path + "/loss_curve.png").substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST(Plotter, RealGnuplotDumbPrintsAnAsciiPlot) {
    if (!gnuplot_installed()) GTEST_SKIP() << "gnuplot is not installed (apt-get install gnuplot-nox)";
    TempDir tmp;
    write_loss_dat(tmp.path);
    ex::Plotter dumb(ex::PlotMode::Dumb, tmp.path, "plot_test", "gnuplot");
    testing::internal::CaptureStdout();
    dumb.draw(two_panel_figure());
    const std::string out = testing::internal::GetCapturedStdout();
    EXPECT_FALSE(dumb.gnuplot_failed());
    EXPECT_NE(out.find("loss of run_1"), std::string::npos) << out;
    EXPECT_NE(out.find("Training Loss"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(tmp.path + "/loss_curve.png"));
}
