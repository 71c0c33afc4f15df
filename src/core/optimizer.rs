//! AdamW as PyTorch computes it on the CPU (`torch.optim.AdamW`, single-tensor path), with PyTorch's
//! defaults: β₁ 0.9, β₂ 0.999, ε 1e-8, decoupled weight decay on every parameter, biases included.
//! Scalars are formed in f64 as Python does, then applied in f32 in PyTorch's operation order.

use crate::core::config::Schedule;

pub const BETA1: f64 = 0.9;
pub const BETA2: f64 = 0.999;
pub const EPS: f64 = 1e-8;

/// The learning-rate factor at step t (0-based) of a budget of `steps`, as in the authors' notebook:
/// constant 1; linear 1 − t/T; cosine cos(π/2 · t/(T − 1)). Never negative, also past the budget.
pub fn lr_factor(schedule: Schedule, t: u64, steps: u64) -> f64 {
    let f = match schedule {
        Schedule::Constant => 1.0,
        Schedule::Linear => 1.0 - t as f64 / steps.max(1) as f64,
        Schedule::Cosine => {
            if steps <= 1 {
                if t == 0 {
                    1.0
                } else {
                    0.0
                }
            } else {
                libm::cos(0.5 * core::f64::consts::PI * (t as f64 / (steps - 1) as f64).min(1.0))
            }
        }
    };
    f.max(0.0)
}

/// Optimizer state: first and second moments and the number of updates made.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamW {
    pub weight_decay: f64,
    pub exp_avg: Vec<f32>,
    pub exp_avg_sq: Vec<f32>,
    pub t: u64,
}

impl AdamW {
    pub fn new(len: usize, weight_decay: f32) -> AdamW {
        AdamW {
            weight_decay: weight_decay as f64,
            exp_avg: vec![0.0; len],
            exp_avg_sq: vec![0.0; len],
            t: 0,
        }
    }

    /// One update of every parameter with learning rate `lr`. Returns whether every updated parameter
    /// is finite (checked in the same pass, for the trainer's divergence guard).
    pub fn step(&mut self, params: &mut [f32], grad: &[f32], lr: f64) -> bool {
        self.t += 1;
        let decay = (1.0 - lr * self.weight_decay) as f32;
        let bias_correction1 = 1.0 - libm::pow(BETA1, self.t as f64);
        let bias_correction2 = 1.0 - libm::pow(BETA2, self.t as f64);
        let step_size = -(lr / bias_correction1) as f32;
        let bias_correction2_sqrt = libm::sqrt(bias_correction2) as f32;
        let (one_m_b1, b2, one_m_b2, eps) = (
            (1.0 - BETA1) as f32,
            BETA2 as f32,
            (1.0 - BETA2) as f32,
            EPS as f32,
        );
        let mut finite = true;
        for (((p, &g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(self.exp_avg.iter_mut())
            .zip(self.exp_avg_sq.iter_mut())
        {
            *p *= decay; // param.mul_(1 - lr * weight_decay)
            *m += one_m_b1 * (g - *m); // exp_avg.lerp_(grad, 1 - beta1)
            *v = *v * b2 + one_m_b2 * g * g; // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
            let denom = v.sqrt() / bias_correction2_sqrt + eps;
            *p += step_size * *m / denom; // param.addcdiv_(exp_avg, denom, value=-step_size)
            finite &= p.is_finite();
        }
        finite
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two AdamW steps on two parameters computed by hand in f64 from the published algorithm
    /// (Loshchilov & Hutter, as PyTorch implements it), including decay of a "bias" with zero gradient.
    #[test]
    fn two_steps_match_the_algorithm_by_hand() {
        let lr = 0.1f64;
        let wd = 0.5f64;
        let mut opt = AdamW::new(2, wd as f32);
        let mut p = [1.0f32, -2.0];
        let grads = [[0.5f32, 0.0], [-1.0, 0.0]];

        let mut pe = [1.0f64, -2.0];
        let mut m = [0.0f64; 2];
        let mut v = [0.0f64; 2];
        for (t, g) in grads.iter().enumerate() {
            assert!(
                opt.step(&mut p, g, lr),
                "finite weights are reported finite"
            );
            let t = (t + 1) as i32;
            for k in 0..2 {
                let g = g[k] as f64;
                pe[k] *= 1.0 - lr * wd;
                m[k] = 0.9 * m[k] + 0.1 * g;
                v[k] = 0.999 * v[k] + 0.001 * g * g;
                let mhat = m[k] / (1.0 - 0.9f64.powi(t));
                let vhat = v[k] / (1.0 - 0.999f64.powi(t));
                pe[k] -= lr * mhat / (vhat.sqrt() + 1e-8);
            }
            for k in 0..2 {
                assert!(
                    (p[k] as f64 - pe[k]).abs() < 1e-6,
                    "step {t} param {k}: {} vs {}",
                    p[k],
                    pe[k]
                );
            }
        }
        // A parameter whose gradient is always zero only decays: −2 · (1 − lr·wd)².
        assert!((p[1] as f64 - (-2.0 * 0.95 * 0.95)).abs() < 1e-6);
        assert_eq!(opt.t, 2);
    }

    #[test]
    fn schedules_follow_the_notebook() {
        assert_eq!(lr_factor(Schedule::Constant, 500, 1000), 1.0);
        assert_eq!(lr_factor(Schedule::Linear, 0, 1000), 1.0);
        assert!((lr_factor(Schedule::Linear, 250, 1000) - 0.75).abs() < 1e-12);
        assert_eq!(lr_factor(Schedule::Cosine, 0, 1001), 1.0);
        assert!((lr_factor(Schedule::Cosine, 500, 1001) - 0.5f64.sqrt()).abs() < 1e-12);
        assert!(lr_factor(Schedule::Cosine, 1000, 1001).abs() < 1e-12);
        assert_eq!(lr_factor(Schedule::Linear, 5000, 1000), 0.0);
        assert_eq!(
            lr_factor(Schedule::Cosine, 5000, 1000),
            lr_factor(Schedule::Cosine, 999, 1000)
        );
    }
}
