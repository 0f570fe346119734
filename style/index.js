import 'uplot/dist/uPlot.min.css';
import './base.css';
import './detail.css';
import './compare.css';
import './pipeline.css';
import './registry.css';
