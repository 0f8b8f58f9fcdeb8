"""Working titles: a seeded adjective and an animal ("Velvet Heron", "Stellar Mammals").

Producers give demos throwaway titles so a file has a name before the song has one. The words
are family-friendly and chosen here (no word list copied from elsewhere). :func:`working_titles`
gives an album's worth with no adjective and no animal used twice, so no two titles repeat.

>>> working_title(7) == working_title(7)
True
>>> titles = working_titles(12, seed=3)
>>> len(set(titles)), len({t.split()[0] for t in titles}), len({t.split()[1] for t in titles})
(12, 12, 12)
"""

from __future__ import annotations

import numpy as np

from groovebox import checks

__all__ = ["ADJECTIVES", "ANIMALS", "working_title", "working_titles"]

ADJECTIVES = tuple("""
Amber Ancient Arctic Astral Autumn Azure Balmy Bashful Blissful Blue Bold Bouncy Brave Breezy
Bright Brisk Bubbly Calm Candid Carefree Cheerful Chilly Cinnamon Clever Cloudy Coastal Cobalt
Cosmic Cozy Crimson Crystal Curious Dapper Daring Dawn Dazzling Delicate Distant Dizzy Dreamy
Drowsy Dusky Dusty Eager Early Easy Electric Elegant Emerald Endless Evening Faded Fancy
Faraway Fearless Feathered Fiery Floating Fluffy Foggy Forest Frosty Gentle Giant Gilded
Glad Gleaming Glowing Golden Graceful Grand Green Happy Hazy Hidden Hollow Honey Hopeful
Humble Icy Indigo Infinite Ivory Jade Jolly Jovial Joyful Kind Lavender Lazy Lemon Little
Lively Lofty Lonely Loyal Lucky Lunar Magic Majestic Mellow Merry Midnight Mighty Minty Misty
Modern Molten Moonlit Mossy Nimble Noble Northern Ocean Orange Painted Pale Paper Peaceful
Pearl Perfect Playful Plucky Polar Polished Precious Proud Purple Quiet Quick Quirky Radiant
Rainy Rapid Rosy Royal Ruby Rustic Rusty Sandy Sapphire Scarlet Secret Serene Shady Shiny
Silent Silky Silver Simple Sleepy Slow Smooth Snowy Soft Solar Sonic Sparkling Speedy Spicy
Spring Starry Steady Stellar Stormy Summer Sunny Swift Tender Thunder Tidal Tiny Tranquil
Twilight Upbeat Urban Velvet Vivid Wandering Warm Wild Windy Winter Wise Witty Wonder Woolly
Yellow Young Zesty Zippy Analog Brassy Chrome Copper Curly Dancing Drifting Feisty Flying
Friendly Funky Fuzzy Glassy Humming Jazzy Lucid Marble Neon Nocturnal Opal Pastel Rolling
Singing Spinning Sugar Tropical Vintage Wavy Whistling
""".split())

ANIMALS = tuple("""
Aardvark Albatross Alpaca Anteater Antelope Armadillo Axolotl Badger Bat Bear Beaver Bee
Beetle Bison Bluebird Boar Bobcat Buffalo Bumblebee Butterfly Camel Canary Capybara Cardinal
Caribou Cat Caterpillar Chameleon Cheetah Chickadee Chinchilla Chipmunk Cicada Clam Cockatoo
Condor Coral Cougar Cow Coyote Crab Crane Cricket Crow Cuckoo Deer Dingo Dolphin Donkey Dove
Dragonfly Duck Eagle Eel Egret Elephant Elk Emu Falcon Ferret Finch Firefly Flamingo Fox Frog
Gazelle Gecko Gibbon Giraffe Goat Goldfinch Goose Gopher Gorilla Grasshopper Grouse Gull
Hamster Hare Hawk Hedgehog Heron Hippo Hornbill Horse Hummingbird Ibex Ibis Iguana Impala
Jackal Jaguar Jay Jellyfish Kangaroo Kestrel Kingfisher Kitten Kiwi Koala Koi Ladybug Lamb
Lark Lemming Lemur Leopard Lion Llama Lobster Lynx Macaw Magpie Mallard Manatee Mandrill
Mantis Marmot Meerkat Mink Mole Mongoose Monkey Moose Moth Mouse Mule Narwhal Newt Nightingale
Ocelot Octopus Okapi Orca Oriole Osprey Ostrich Otter Owl Ox Panda Panther Parrot Partridge
Peacock Pelican Penguin Pheasant Pig Pigeon Platypus Pony Porcupine Porpoise Possum Puffin
Puma Quail Rabbit Raccoon Ram Raven Reindeer Robin Salamander Salmon Sandpiper Seahorse Seal
Shrimp Skylark Sloth Snail Sparrow Squid Squirrel Starfish Starling Stingray Stork Swallow
Swan Tapir Tiger Toad Tortoise Toucan Trout Turkey Turtle Vole Walrus Warbler Wallaby Weasel
Whale Wildcat Wolf Wombat Woodpecker Wren Yak Zebra Mammals Bunny Puppy Pup Foal
Cub Duckling Gosling Fawn Tadpole Minnow Guppy Goldfish Marten Stoat Plover Puffer Pika
Quokka Serval Tamarin Vicuna Kookaburra
""".split())


def _perm(n: int, seed: int, salt: int) -> np.ndarray:
    return np.random.default_rng([seed, salt]).permutation(n)


def working_titles(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct working titles (an album's), no adjective or animal used twice.

    Parameters
    ----------
    n : int
        1 .. the number of distinct animals.
    seed : int
        Same seed, same titles; ``working_titles(n, s)[:k] == working_titles(k, s)``.
    """
    n = checks.whole(n, "titles", 1, len(ANIMALS))
    seed = checks.seed(seed)
    adj = _perm(len(ADJECTIVES), seed, 1)
    ani = _perm(len(ANIMALS), seed, 2)
    return [f"{ADJECTIVES[adj[k]]} {ANIMALS[ani[k]]}" for k in range(n)]


def working_title(seed: int = 0) -> str:
    """One seeded working title, e.g. ``"Velvet Heron"``."""
    return working_titles(1, seed)[0]
