//! `state.show_graph` (ours, not Salt's): the requisite graph of compiled
//! chunks as Graphviz DOT.
