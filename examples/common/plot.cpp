// plot.cpp — gnuplot scripts as text, and the pipe that sends them to a gnuplot child process.
//
// Teaches: popen() starts a program with its stdin connected to us; whatever we fwrite() it reads
// as commands. pclose() waits for it and returns its exit status, which says whether it worked.
#include "plot.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace ex {

// ---- modes and quoting -----------------------------------------------------------------------

PlotMode parse_plot_mode(const std::string& text) {
    if (text == "auto") return PlotMode::Auto;
    if (text == "window") return PlotMode::Window;
    if (text == "png") return PlotMode::Png;
    if (text == "svg") return PlotMode::Svg;
    if (text == "dumb") return PlotMode::Dumb;
    if (text == "none") return PlotMode::None;
    throw std::invalid_argument("'" + text + "' is not a plot mode (auto, window, png, svg, dumb, none)");
}

const char* plot_mode_name(PlotMode mode) {
    switch (mode) {
        case PlotMode::Auto: return "auto";
        case PlotMode::Window: return "window";
        case PlotMode::Png: return "png";
        case PlotMode::Svg: return "svg";
        case PlotMode::Dumb: return "dumb";
        case PlotMode::None: return "none";
    }
    return "none";
}

std::string gp_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += "''";          // gnuplot's way to write a quote inside '...'
        else if (c == '\n') out += ' ';      // a command ends at a newline
        else out += c;
    }
    return out + "'";
}

// ---- the script ------------------------------------------------------------------------------

static std::string series_text(const Series& s) {
    std::string text = s.loop.empty() ? "" : s.loop + " ";
    text += gp_quote(s.file) + " using " + s.columns + " with " + s.style;
    text += s.title.empty() ? " notitle" : " title " + gp_quote(s.title);
    return text;
}

std::string gnuplot_script(const Figure& figure, const std::string& program) {
    const std::string& n = figure.name;
    const int rows = (static_cast<int>(figure.panels.size()) + figure.columns - 1) / figure.columns;
    std::ostringstream gp;
    // How to rerun it, one line per mode, the arrows lined up.
    const std::vector<std::pair<std::string, std::string>> uses = {
        {"gnuplot " + n + ".gp", n + ".png"},
        {"gnuplot -e \"mode='svg'\" " + n + ".gp", n + ".svg"},
        {"gnuplot -e \"mode='dumb'\" " + n + ".gp", "an ASCII plot in the terminal"},
        {"gnuplot -p -e \"mode='window'\" " + n + ".gp", "a window (needs a display)"}};
    gp << "# " << n << ".gp — " << figure.title << "\n"
       << "# Written by " << program << "; it reads the .dat files in this folder. Edit it, then:\n";
    for (const auto& [command, result] : uses) {
        gp << "#   " << command << std::string(uses[3].first.size() + 1 - command.size(), ' ')
           << "-> " << result << "\n";
    }
    gp << "if (!exists(\"mode\")) mode = \"png\"\n"
       << "if (mode eq \"png\") { set terminal pngcairo size " << figure.width << "," << figure.height
       << " noenhanced font \"sans,11\"; set output \"" << n << ".png\" }\n"
       << "if (mode eq \"svg\") { set terminal svg size " << figure.width << "," << figure.height
       << " noenhanced font \"sans,11\" background \"white\"; set output \"" << n << ".svg\" }\n"
       << "if (mode eq \"dumb\") { set terminal dumb size 110," << 28 * rows << "; set output }\n"
       << "if (mode eq \"window\") { set termoption noenhanced }\n"
       << "set grid\n";
    const bool several = figure.panels.size() > 1;
    if (several) {
        gp << "set multiplot layout " << rows << "," << figure.columns << " title "
           << gp_quote(figure.title) << "\n";
    }
    for (const Panel& p : figure.panels) {
        gp << "\n# ---- " << p.title << "\n"
           << "set title " << gp_quote(p.title) << "\n"
           << "set xlabel " << gp_quote(p.xlabel) << "\n"
           << "set ylabel " << gp_quote(p.ylabel) << "\n"
           << (p.log_y ? "set logscale y\n" : "unset logscale y\n");
        if (!p.extra.empty()) gp << p.extra << (p.extra.back() == '\n' ? "" : "\n");
        gp << "plot ";
        for (size_t i = 0; i < p.series.size(); ++i) {
            gp << (i ? ", \\\n     " : "") << series_text(p.series[i]);
        }
        gp << "\n";
    }
    if (several) gp << "unset multiplot\n";
    gp << "set output\n";  // closes the picture file
    return gp.str();
}

Panel heat_map(const std::string& title, const std::string& file, int first_column, int count,
               int rows, double limit, const std::string& xlabel, const std::string& ylabel) {
    Panel p;
    p.title = title;
    p.xlabel = xlabel;
    p.ylabel = ylabel;
    std::ostringstream extra;
    extra << "set palette defined (0 '#2166ac', 0.5 'white', 1 '#b2182b')\n"
          << "set cbrange [" << -limit << ":" << limit << "]\n"
          << "set xrange [-0.5:" << count - 0.5 << "]\n"
          << "set yrange [" << rows - 0.5 << ":-0.5]\n"  // row 0 at the top, like a printed matrix
          << (count <= 32 ? "set xtics 1\n" : "") << (rows <= 24 ? "set ytics 1\n" : "") << "unset grid";
    p.extra = extra.str();
    // One family of cells per dimension d: x = d, y = row number ($0), colour = that column.
    Series cells;
    cells.loop = "for [d=0:" + std::to_string(count - 1) + "]";
    cells.file = file;
    cells.columns = "(d):($0):(0.5):(0.5):(column(d+" + std::to_string(first_column) + "))";
    cells.style = "boxxyerror fs solid 1.0 noborder fc palette";
    p.series.push_back(cells);
    return p;
}

// ---- the plotter -----------------------------------------------------------------------------

Plotter::Plotter(PlotMode mode, std::string dir, std::string program, std::string command)
    : dir_(std::move(dir)), program_(std::move(program)), command_(std::move(command)) {
    if (mode == PlotMode::Auto) {
        const char* display = std::getenv("DISPLAY");
        const char* wayland = std::getenv("WAYLAND_DISPLAY");
        if ((display && *display) || (wayland && *wayland)) {
            renders_ = {PlotMode::Window};
        } else {
            renders_ = {PlotMode::Png};
            if (isatty(STDOUT_FILENO)) renders_.push_back(PlotMode::Dumb);
        }
    } else if (mode != PlotMode::None) {
        renders_ = {mode};
    }
    if (command_.empty()) {
        const char* env = std::getenv("AG_GNUPLOT");
        if (env && *env) {
            command_ = env;
        } else {
            command_ = "gnuplot";
            default_command_ = true;
        }
    }
}

void Plotter::draw(const Figure& figure) {
    const std::string script = gnuplot_script(figure, program_);
    const std::string path = dir_ + "/" + figure.name + ".gp";
    std::ofstream file(path);
    if (!(file << script)) throw std::runtime_error(program_ + ": cannot write " + path);
    file.close();
    if (!renders_.empty() && !failed_) send(figure, script);
}

// The last line of gnuplot's stderr that names a line of input (its error), trimmed.
static std::string first_error(const std::string& path) {
    std::ifstream in(path);
    std::string line, best, last;
    while (std::getline(in, line)) {
        size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos) continue;
        line = line.substr(start);
        last = line;
        if (best.empty() && line.rfind("line ", 0) == 0) best = line;
    }
    return best.empty() ? last : best;
}

void Plotter::send(const Figure& figure, const std::string& script) {
    // What goes down the pipe: move into the out folder, then the script once per rendering.
    std::string commands = "cd " + gp_quote(dir_) + "\n";
    int renderings = 0;
    for (PlotMode mode : renders_) {
        if (mode == PlotMode::Dumb && !figure.ascii_friendly) {
            std::printf("(%s is a heat map: no ASCII rendering; see %s/%s.gp)\n",
                        figure.name.c_str(), dir_.c_str(), figure.name.c_str());
            continue;
        }
        // A gnuplot built without window terminals (gnuplot-nox) has none to default to: say so
        // with exit status 3 instead of drawing nothing.
        if (mode == PlotMode::Window) commands += "if (GPVAL_TERM eq \"unknown\") { exit status 3 }\n";
        commands += "reset\nmode = '" + std::string(plot_mode_name(mode)) + "'\n" + script;
        ++renderings;
    }
    if (renderings == 0) return;

    // gnuplot's stderr goes to a temporary file: on failure we show one line of it, not a page.
    char err_path[] = "/tmp/ag_gnuplot_err_XXXXXX";
    int fd = mkstemp(err_path);
    if (fd >= 0) close(fd);
    std::string program = command_;
    bool window = renders_.size() == 1 && renders_[0] == PlotMode::Window;
    if (default_command_ && window) program += " -persist";  // the window outlives the pipe
    const std::string shell = fd >= 0 ? "{ " + program + " ; } 2>'" + err_path + "'" : program;

    std::fflush(stdout);  // our text first, then whatever gnuplot prints (the ASCII plot)
    // If gnuplot is missing, the shell exits at once and writing to the pipe raises SIGPIPE,
    // which would kill us: ignore it for the duration and read the exit status instead.
    struct sigaction ignore {}, previous {};
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, &previous);
    int status = -1;
    if (FILE* pipe = popen(shell.c_str(), "w")) {
        std::fwrite(commands.data(), 1, commands.size(), pipe);
        status = pclose(pipe);
    }
    sigaction(SIGPIPE, &previous, nullptr);
    std::fflush(stdout);

    std::string error = fd >= 0 ? first_error(err_path) : "";
    if (fd >= 0) std::remove(err_path);
    const bool ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (ok) {
        for (PlotMode mode : renders_) {
            if (mode == PlotMode::Png) pictures_.push_back(dir_ + "/" + figure.name + ".png");
            if (mode == PlotMode::Svg) pictures_.push_back(dir_ + "/" + figure.name + ".svg");
        }
        return;
    }
    const bool no_window = window && status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 3;
    if (no_window) {
        std::cerr << program_ << ": this gnuplot cannot open windows (install gnuplot-qt for them);"
                  << " drawing PNG files in " << dir_ << " instead\n";
        renders_ = {PlotMode::Png};
        send(figure, script);
        return;
    }
    failed_ = true;
    const bool missing = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127;
    std::cerr << program_ << ": "
              << (missing ? "gnuplot not found (command '" + command_ + "')"
                          : "gnuplot failed on " + figure.name + ".gp" +
                                (error.empty() ? "" : " (" + error + ")"))
              << ", so no pictures were drawn; install it with `apt-get install gnuplot-nox`"
              << " (or set AG_GNUPLOT); the data and .gp scripts are in " << dir_ << "\n";
}

void Plotter::print_summary() const {
    std::printf("data and gnuplot scripts: %s/", dir_.c_str());
    if (!pictures_.empty()) {
        std::printf("  pictures:");
        for (const std::string& p : pictures_) std::printf(" %s", p.substr(p.rfind('/') + 1).c_str());
    }
    std::printf("\n");
}

}  // namespace ex
