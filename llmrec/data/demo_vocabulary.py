"""Words the demo store is written with: categories, products, brands, prices and review phrases.

Kept apart from the generator so the shop's vocabulary can grow without touching its logic. Review
phrases are written against the lexicon in `llmrec.portraits.aspects`: every aspect phrase names
exactly one aspect and carries opinion words of one polarity, and product nouns, brands and
filler sentences name no aspect at all (tests/data/test_demo.py checks both).
"""

from __future__ import annotations

from dataclasses import dataclass

# Aspects every kind of product can be reviewed on; categories add their own.
GENERAL_ASPECTS: tuple[str, ...] = ("quality", "price", "durability", "design", "shipping")


@dataclass(frozen=True)
class Subcategory:
    """A shelf of the shop: what its products are called and what their descriptions say."""

    name: str
    nouns: tuple[str, ...]  # product nouns, lower case, free of aspect words (used in reviews)
    features: tuple[str, ...]  # description sentences specific to this shelf
    attributes: dict[str, tuple[str, ...]] | None = None  # replaces the department's attributes


@dataclass(frozen=True)
class Category:
    """A department: its shelves, brands, price level, attributes and the aspects buyers discuss."""

    name: str
    subcategories: tuple[Subcategory, ...]
    brands: tuple[str, ...]
    price_median: float  # median price in the department (log-normal centre)
    price_sigma: float  # log-normal spread; price bands are terciles within the department
    attributes: dict[str, tuple[str, ...]]  # attribute name -> values (first is `color` if present)
    aspects: tuple[str, ...]  # aspects reviews of this department talk about
    uses: tuple[str, ...]  # "made for ..." contexts in descriptions
    features: tuple[str, ...]  # description sentences shared by the whole department


_COLORS = ("black", "white", "graphite", "navy", "sage green", "terracotta", "charcoal", "cream", "red",
           "sky blue")

CATEGORIES: tuple[Category, ...] = (
    Category(
        name="Electronics",
        subcategories=(
            Subcategory("Headphones", ("wireless headphones", "earbuds", "over-ear headset"), (
                "Active noise cancelling shuts out the commute, and the battery lasts up to 30 hours.",
                "Plush ear cushions and a low-latency Bluetooth link keep music and calls clear.")),
            Subcategory("Smart Home", ("smart plug", "video doorbell", "smart bulb", "home hub"), (
                "It pairs with every major voice assistant and schedules routines from your phone.",
                "Setup takes two minutes in the app, with no hub or wiring required.")),
            Subcategory("Cameras", ("action camera", "mirrorless camera", "dash cam"), (
                "A large sensor captures crisp 4K video and sharp stills even in low light.",
                "Image stabilisation keeps footage smooth on bikes, boards and bumpy roads.")),
            Subcategory("Computer Accessories", ("wireless mouse", "mechanical keyboard", "usb-c hub",
                                                 "webcam"), (
                "Plug-and-play on Windows, macOS and Linux, with a fast USB-C connection.",
                "Ergonomic shaping and quiet switches make long working sessions easier.")),
            Subcategory("Portable Power", ("power bank", "solar charger", "wall adapter"), (
                "High-capacity cells recharge a phone up to five times with fast charging.",
                "Multiple ports charge a laptop, tablet and phone at the same time.")),
        ),
        brands=("Voltari", "Nexwave", "Arcline", "Kyros", "Lumetric", "Soniq", "Brightlink", "Orbitek"),
        price_median=60.0, price_sigma=0.75,
        attributes={"color": ("black", "white", "silver", "space grey", "midnight blue"),
                    "connectivity": ("Bluetooth 5.3", "Wi-Fi", "USB-C", "Wi-Fi and Bluetooth"),
                    "warranty": ("1 year", "2 years", "3 years")},
        aspects=GENERAL_ASPECTS + ("battery", "performance", "ease of use", "noise"),
        uses=("work and play", "streaming and gaming", "the connected home", "creators on the move",
              "everyday tech"),
        features=("Firmware updates keep performance sharp over time.",
                  "Every unit is tested for reliable connectivity before it ships."),
    ),
    Category(
        name="Kitchen",
        subcategories=(
            Subcategory("Coffee & Tea", ("espresso machine", "pour-over kettle", "coffee grinder",
                                         "french press"), (
                "A precise burr set and stable temperature pull rich, cafe-style coffee every morning.",
                "A gooseneck spout and built-in thermometer make pour-over brewing effortless.")),
            Subcategory("Cookware", ("cast iron skillet", "nonstick frying pan", "stock pot",
                                     "saucepan set"), (
                "Even heat spreads from edge to centre for perfect searing and simmering.",
                "Oven safe to 260 C and compatible with induction, gas and electric hobs.")),
            Subcategory("Small Appliances", ("blender", "air fryer", "stand mixer", "toaster"), (
                "A powerful motor crushes ice and blends smoothies in seconds.",
                "Preset programmes take the guesswork out of crispy fries and golden toast.")),
            Subcategory("Knives & Cutlery", ("chef's knife", "knife block set", "paring knife"), (
                "Forged high-carbon steel holds a razor edge through months of daily prep.",
                "A balanced, full-tang handle gives control for slicing, dicing and mincing."),
                {"blade": ("German steel", "Japanese VG-10 steel", "ceramic", "Damascus steel"),
                 "handle": ("pakkawood", "olive wood", "polymer", "walnut"),
                 "blade_length": ("9 cm", "15 cm", "20 cm", "23 cm")}),
            Subcategory("Food Storage", ("glass meal prep containers", "vacuum sealer", "bento box"), (
                "Airtight lids lock in freshness and stack neatly in fridge and freezer.",
                "Leak-proof seals make packed lunches and leftovers travel without spills.")),
        ),
        brands=("Copperleaf", "Hearthwell", "Brava & Co", "Saltmarsh", "Kitchora", "Ovenbird", "Mirapan"),
        price_median=45.0, price_sigma=0.7,
        attributes={"color": ("stainless steel", "matte black", "cream", "sage green", "copper"),
                    "material": ("stainless steel", "cast iron", "ceramic", "borosilicate glass", "bamboo"),
                    "capacity": ("0.5 L", "1 L", "1.7 L", "3 L", "5 L")},
        aspects=GENERAL_ASPECTS + ("ease of use", "performance", "size", "noise"),
        uses=("busy weeknight cooking", "home baristas", "meal prep", "family kitchens",
              "weekend bakers"),
        features=("Dishwasher-safe parts make clean-up quick.",
                  "Food-safe, BPA-free materials throughout."),
    ),
    Category(
        name="Home Decor",
        subcategories=(
            Subcategory("Lighting", ("table lamp", "floor lamp", "pendant light", "string lights"), (
                "A warm, dimmable glow turns any corner into a reading nook.",
                "A linen shade diffuses light softly across living rooms and bedrooms.")),
            Subcategory("Wall Art", ("framed print", "canvas painting", "wall mirror"), (
                "Gallery-quality printing on archival paper keeps colours vivid for years.",
                "Arrives ready to hang with fixings included.")),
            Subcategory("Textiles", ("throw blanket", "cushion cover", "area rug", "curtain panel"), (
                "Woven from soft, breathable fibres that drape beautifully on sofas and beds.",
                "A hand-loomed texture adds warmth and depth to a neutral room.")),
            Subcategory("Candles & Fragrance", ("pillar candle", "reed diffuser", "candle gift set"), (
                "Hand-poured soy wax burns cleanly for up to 50 hours.",
                "Notes of cedar, amber and fig fill the room without overpowering it.")),
            Subcategory("Vases & Planters", ("ceramic vase", "hanging planter", "bud vase set"), (
                "Glazed by hand, so every piece carries its own subtle variation.",
                "A drainage hole and saucer keep houseplants healthy.")),
        ),
        brands=("Nordhaven", "Maison Alba", "Fernlight", "Oakhurst", "Lumen & Loom", "Casavera"),
        price_median=38.0, price_sigma=0.8,
        attributes={"color": _COLORS, "material": ("linen", "ceramic", "oak", "brass", "cotton", "glass"),
                    "style": ("Scandinavian", "mid-century", "boho", "industrial", "farmhouse")},
        aspects=GENERAL_ASPECTS + ("size", "taste"),
        uses=("cosy living rooms", "calm bedrooms", "entryways and hallways", "gifting",
              "refreshing a rental"),
        features=("Designed in-house and made in small batches.",
                  "A timeless piece that suits minimalist and eclectic interiors alike."),
    ),
    Category(
        name="Outdoor & Garden",
        subcategories=(
            Subcategory("Garden Tools", ("pruning shears", "garden trowel", "hose reel", "leaf rake"), (
                "Hardened steel blades cut cleanly through branches up to 2 cm thick.",
                "A rust-resistant coating stands up to wet soil season after season.")),
            Subcategory("Grills & Outdoor Cooking", ("charcoal grill", "gas barbecue", "pizza oven"), (
                "Heats to 400 C in fifteen minutes for blistered, wood-fired style pizza.",
                "A cast iron grate and adjustable vents give real control over the fire.")),
            Subcategory("Patio Furniture", ("folding patio chair", "bistro table set", "hammock"), (
                "Weather-resistant acacia wood and powder-coated steel last through summer storms.",
                "Folds flat in seconds for winter storage.")),
            Subcategory("Camping Gear", ("camping tent", "sleeping bag", "camp stove", "headlamp"), (
                "Pitches in under five minutes and keeps out wind and rain.",
                "Packs down small and light enough for backpacking trips."),
                {"color": ("forest green", "orange", "sand", "sky blue"),
                 "material": ("ripstop nylon", "polyester", "aluminium"),
                 "season": ("3-season", "4-season", "all-weather")}),
            Subcategory("Plants & Seeds", ("heirloom seed kit", "raised garden bed", "compost bin"), (
                "Everything you need to grow tomatoes, herbs and salad greens from seed.",
                "Untreated cedar boards keep soil warm and roots healthy.")),
        ),
        brands=("Greenhollow", "Trailmark", "Emberstone", "Wildmere", "Fieldcraft", "Northpine"),
        price_median=55.0, price_sigma=0.85,
        attributes={"color": ("forest green", "charcoal", "sand", "orange", "natural wood"),
                    "material": ("acacia wood", "powder-coated steel", "cedar", "aluminium",
                                 "stainless steel"),
                    "warranty": ("1 year", "2 years", "5 years")},
        aspects=GENERAL_ASPECTS + ("ease of use", "size", "performance"),
        uses=("weekend gardeners", "backyard barbecues", "camping trips", "balcony growers",
              "outdoor entertaining"),
        features=("Built to live outdoors, with UV-stable finishes.",
                  "Backed by a no-quibble outdoor guarantee."),
    ),
    Category(
        name="Sports & Fitness",
        subcategories=(
            Subcategory("Yoga & Pilates", ("yoga mat", "yoga block set", "pilates ring"), (
                "A grippy, cushioned surface keeps you steady through every flow.",
                "Non-slip natural rubber protects knees and wrists on hard floors.")),
            Subcategory("Strength Training", ("adjustable dumbbells", "kettlebell", "resistance bands",
                                              "weight bench"), (
                "Dial from 2 to 24 kg in seconds to replace a whole rack of weights.",
                "Knurled grips and a stable base make home strength sessions safe.")),
            Subcategory("Running", ("running shoes", "running vest", "gps running watch"), (
                "Responsive foam returns energy on long runs and tempo days.",
                "Tracks pace, heart rate and distance with accurate GPS.")),
            Subcategory("Cycling", ("bike helmet", "bike light set", "cycling jersey", "bike pump"), (
                "Aerodynamic vents keep you cool on long climbs.",
                "A bright 800-lumen beam lights unlit lanes and keeps you visible.")),
            Subcategory("Team Sports", ("football", "basketball", "tennis racket", "shin guards"), (
                "Match-grade construction with a true flight and a consistent bounce.",
                "Lightweight and balanced for control on court and pitch.")),
        ),
        brands=("Strideon", "Apexa", "Kinetiq", "Ironroot", "Velocita", "Flowform", "Summitfit"),
        price_median=40.0, price_sigma=0.8,
        attributes={"color": ("black", "volt yellow", "ocean blue", "coral", "grey"),
                    "material": ("natural rubber", "TPE foam", "mesh", "cast iron", "carbon fibre"),
                    "level": ("beginner", "intermediate", "advanced")},
        aspects=GENERAL_ASPECTS + ("comfort", "size", "performance"),
        uses=("home workouts", "marathon training", "studio classes", "weekend riders", "team practice"),
        features=("Tested by coaches and amateur athletes.",
                  "Sweat-resistant materials are easy to wipe clean."),
    ),
    Category(
        name="Beauty",
        subcategories=(
            Subcategory("Skincare", ("face serum", "moisturiser", "cleansing balm", "sunscreen"), (
                "Hyaluronic acid and niacinamide hydrate and smooth dull, tired skin.",
                "A lightweight, non-greasy texture layers well under make-up.")),
            Subcategory("Hair Care", ("hair dryer", "shampoo bar", "hair mask", "straightener"), (
                "Ionic airflow dries hair quickly while taming frizz.",
                "Argan oil and keratin repair damaged ends and add shine."),
                {"hair_type": ("all hair types", "curly", "fine", "thick", "coloured"),
                 "color": ("rose gold", "black", "white", "sage green")}),
            Subcategory("Makeup", ("lipstick", "mascara", "foundation", "eyeshadow palette"), (
                "Richly pigmented shades blend easily and stay put all day.",
                "A buildable formula gives anything from a natural to a bold finish.")),
            Subcategory("Fragrance", ("eau de parfum", "body mist", "perfume oil"), (
                "Top notes of bergamot open onto jasmine and a warm sandalwood base.",
                "A long-lasting scent that stays close to the skin.")),
            Subcategory("Bath & Body", ("body wash", "bath salts", "body lotion"), (
                "Shea butter and oat extract soothe and nourish dry skin.",
                "Dead Sea minerals turn an evening bath into a spa ritual.")),
        ),
        brands=("Lunelle", "Verdana Botanics", "Aurea", "Petalune", "Clairskin", "Maris & Moss"),
        price_median=24.0, price_sigma=0.75,
        attributes={"skin_type": ("all skin types", "dry", "oily", "sensitive", "combination"),
                    "volume": ("30 ml", "50 ml", "100 ml", "200 ml"),
                    "finish": ("matte", "dewy", "satin", "natural")},
        aspects=GENERAL_ASPECTS + ("taste", "comfort", "ease of use"),
        uses=("daily routines", "sensitive skin", "self-care evenings", "travel bags", "gifting"),
        features=("Cruelty-free and dermatologically tested.",
                  "Free from parabens and sulphates."),
    ),
    Category(
        name="Toys & Games",
        subcategories=(
            Subcategory("Board Games", ("strategy board game", "family board game", "party card game"), (
                "Quick to learn, with enough depth that every game plays differently.",
                "Plays two to six people in under an hour, ages ten and up.")),
            Subcategory("Building Sets", ("building brick set", "magnetic tiles", "marble run"), (
                "Hundreds of pieces click together into castles, cars and anything else kids imagine.",
                "Encourages spatial thinking and early engineering skills.")),
            Subcategory("Puzzles", ("jigsaw puzzle", "3d puzzle", "brain teaser set"), (
                "A 1000-piece puzzle with a glare-free finish and snug-fitting pieces.",
                "Challenging logic puzzles for curious minds of every age.")),
            Subcategory("Plush & Dolls", ("plush teddy bear", "rag doll", "dollhouse"), (
                "Huggable, with safety-stitched eyes suitable from birth.",
                "A detailed dollhouse with furniture for hours of imaginative play."),
                {"age": ("0+", "3+", "5+"), "color": ("honey brown", "cream", "pink", "grey", "blue")}),
            Subcategory("Outdoor Play", ("kids scooter", "water blaster", "kite", "play tent"), (
                "Adjustable handlebars grow with your child.",
                "Gets kids outside and moving on sunny afternoons."),
                {"age": ("3+", "5+", "8+"), "color": ("red", "blue", "green", "yellow", "multicolour")}),
        ),
        brands=("Tumbletree", "Wonderkin", "Brightbox", "Piccolo Play", "Mapleworks", "Quirkle"),
        price_median=28.0, price_sigma=0.7,
        attributes={"age": ("3+", "5+", "8+", "10+", "14+"),
                    "players": ("1", "2-4", "2-6", "3-8"),
                    "color": ("multicolour", "red", "blue", "pastel", "natural wood")},
        aspects=GENERAL_ASPECTS + ("ease of use", "size"),
        uses=("family game night", "rainy afternoons", "birthday gifts", "curious kids",
              "playdates"),
        features=("Safety tested to EN71 standards.",
                  "Packaged in recycled cardboard."),
    ),
    Category(
        name="Books",
        subcategories=(
            Subcategory("Fiction", ("mystery novel", "literary novel", "thriller", "fantasy epic"), (
                "A twisting plot and unforgettable characters keep the pages turning late into the night.",
                "Atmospheric, moving storytelling from an acclaimed author.")),
            Subcategory("Cookbooks", ("cookbook", "baking book", "vegetarian cookbook"), (
                "Over a hundred tested recipes with step-by-step photographs.",
                "Simple weeknight dinners alongside show-stopping weekend bakes.")),
            Subcategory("Children's Books", ("picture book", "bedtime story collection", "activity book"), (
                "Bright illustrations and gentle rhymes perfect for reading aloud.",
                "Encourages early reading with short chapters and lively pictures.")),
            Subcategory("Self-Help", ("productivity guide", "mindfulness workbook",
                                      "personal finance book"), (
                "Practical, research-backed habits for calmer, more focused days.",
                "Clear exercises help you budget, save and plan with confidence.")),
            Subcategory("History & Science", ("popular science book", "history book", "biography"), (
                "A vivid, accessible journey through the ideas that shaped the modern world.",
                "Meticulously researched and written with a storyteller's touch.")),
        ),
        brands=("Harbor Lane Press", "Quillstone Books", "Bluefern Publishing", "Lanternhouse",
                "Marigold Editions", "Northwind Press"),
        price_median=14.0, price_sigma=0.45,
        attributes={"format": ("paperback", "hardcover", "large print", "spiral-bound"),
                    "pages": ("128 pages", "224 pages", "320 pages", "448 pages", "576 pages"),
                    "language": ("English",)},
        aspects=GENERAL_ASPECTS + ("size",),
        uses=("book clubs", "curious readers", "cosy evenings", "home cooks", "young readers"),
        features=("A perfect gift for keen readers.",
                  "Printed on responsibly sourced paper."),
    ),
    Category(
        name="Pet Supplies",
        subcategories=(
            Subcategory("Dog Supplies", ("dog bed", "dog harness", "chew toy", "dog lead"), (
                "Orthopaedic memory foam supports joints of large and senior dogs.",
                "Padded straps and reflective stitching keep walks safe after dark.")),
            Subcategory("Cat Supplies", ("scratching post", "cat tree", "cat litter box", "cat toy"), (
                "Sisal-wrapped posts satisfy scratching instincts and save your sofa.",
                "A covered design traps odour and keeps litter off the floor.")),
            Subcategory("Pet Food", ("grain-free dog food", "wet cat food", "training treats"), (
                "Real chicken is the first ingredient, with no artificial colours or fillers.",
                "High-protein recipe supports lean muscle and a glossy coat."),
                {"flavour": ("chicken", "salmon", "lamb", "turkey", "duck"),
                 "weight": ("400 g", "1 kg", "2 kg", "6 kg", "12 kg"),
                 "life_stage": ("puppy", "adult", "senior")}),
            Subcategory("Aquarium", ("aquarium filter", "fish tank kit", "aquarium heater"), (
                "Three-stage filtration keeps water crystal clear.",
                "An all-in-one kit with LED lighting for freshwater fish."),
                {"tank_volume": ("20 L", "60 L", "120 L", "200 L"), "color": ("black", "white", "clear")}),
            Subcategory("Small Animals", ("hamster cage", "rabbit hutch", "hay feeder"), (
                "Spacious levels and tunnels give small pets room to explore.",
                "Easy-clean trays make weekly cleaning quick.")),
        ),
        brands=("Pawsome Co", "Whiskerwood", "Barkley & Finn", "Furbloom", "Tailtrail", "Petwise"),
        price_median=26.0, price_sigma=0.75,
        attributes={"pet_size": ("small", "medium", "large", "all sizes"),
                    "color": ("grey", "tan", "navy", "forest green", "pink"),
                    "material": ("memory foam", "sisal", "nylon webbing", "natural rubber",
                                 "recycled plastic")},
        aspects=GENERAL_ASPECTS + ("size", "taste", "comfort"),
        uses=("happy dogs", "indoor cats", "puppy training", "senior pets", "busy pet parents"),
        features=("Vet-recommended and pet-tested.",
                  "Machine-washable parts keep things fresh."),
    ),
    Category(
        name="Office",
        subcategories=(
            Subcategory("Desk Organisation", ("desk organiser", "monitor stand", "cable tray"), (
                "Keeps pens, notes and cables tidy so your desk stays clear.",
                "Raises the screen to eye level for better posture.")),
            Subcategory("Stationery", ("fountain pen", "dotted notebook", "gel pen set", "planner"), (
                "Smooth, skip-free ink on thick 100 gsm paper that resists bleed-through.",
                "A lay-flat binding and numbered pages for bullet journaling.")),
            Subcategory("Office Furniture", ("office chair", "standing desk", "footrest"), (
                "Adjustable lumbar support and armrests keep you comfortable through long days.",
                "A dual-motor frame moves smoothly from sitting to standing height.")),
            Subcategory("Printers & Supplies", ("laser printer", "label maker", "paper shredder"), (
                "Prints crisp text at 30 pages per minute with low running costs.",
                "Prints durable, water-resistant labels for files and shelves.")),
            Subcategory("Desk Lighting", ("desk lamp", "monitor light bar", "clip-on lamp"), (
                "Flicker-free LEDs with adjustable colour temperature reduce eye strain.",
                "An asymmetric beam lights the desk without glare on the screen.")),
        ),
        brands=("Deskwell", "Paperfield", "Ergonova", "Inkwright", "Studio Mono", "Workmore"),
        price_median=35.0, price_sigma=0.9,
        attributes={"color": ("black", "white", "walnut", "oak", "grey"),
                    "material": ("aluminium", "walnut", "recycled paper", "steel", "mesh"),
                    "pack": ("single", "pack of 2", "pack of 5")},
        aspects=GENERAL_ASPECTS + ("ease of use", "comfort", "size"),
        uses=("home offices", "students", "hybrid workers", "small businesses", "creative studios"),
        features=("Designed for productive, clutter-free workspaces.",
                  "Made with recycled materials where possible."),
    ),
    Category(
        name="Clothing",
        subcategories=(
            Subcategory("Outerwear", ("rain jacket", "puffer jacket", "wool coat", "fleece"), (
                "A waterproof, breathable shell with taped seams keeps you dry in downpours.",
                "Recycled down insulation traps warmth without bulk.")),
            Subcategory("Tops", ("t-shirt", "linen shirt", "merino jumper", "hoodie"), (
                "Soft organic cotton that gets better with every wash.",
                "Fine merino regulates temperature and resists odour.")),
            Subcategory("Bottoms", ("chinos", "denim jeans", "joggers", "shorts"), (
                "Stretch denim moves with you and keeps its shape all day.",
                "A tapered cut with deep pockets for everyday wear.")),
            Subcategory("Footwear", ("leather boots", "canvas trainers", "sandals", "slippers"), (
                "Cushioned insoles and grippy rubber soles for all-day walking.",
                "Full-grain leather uppers soften and mould to your feet.")),
            Subcategory("Accessories", ("wool scarf", "leather belt", "beanie", "tote bag"), (
                "Finished with brass hardware and hand-stitched edges.",
                "A versatile accessory that pairs with casual and smart outfits.")),
        ),
        brands=("Fairweather", "Lomond & Lyle", "Threadbare Co", "Atlas Supply", "Marlowe", "Kindred Knit",
                "Coastline"),
        price_median=42.0, price_sigma=0.75,
        attributes={"color": _COLORS, "material": ("organic cotton", "merino wool", "linen", "denim",
                                                   "recycled polyester", "leather"),
                    "size": ("XS", "S", "M", "L", "XL", "XXL")},
        aspects=GENERAL_ASPECTS + ("size", "comfort"),
        uses=("everyday wear", "city commutes", "weekends away", "cold mornings", "smart-casual offices"),
        features=("Ethically made in audited factories.",
                  "Cut for a relaxed, true-to-size fit."),
    ),
    Category(
        name="Grocery",
        subcategories=(
            Subcategory("Coffee Beans", ("single-origin coffee beans", "espresso blend", "ground coffee"), (
                "Roasted in small batches for notes of chocolate, cherry and caramel.",
                "Ethically sourced beans, roasted to order and sealed for freshness.")),
            Subcategory("Tea", ("loose leaf green tea", "herbal tea sampler", "chai blend"), (
                "Whole leaves steep a fragrant, smooth cup again and again.",
                "Warming cinnamon, cardamom and ginger in a caffeine-free blend.")),
            Subcategory("Snacks", ("trail mix", "dark chocolate bar", "protein bars", "kettle crisps"), (
                "Roasted nuts, dried fruit and a hint of sea salt for on-the-go energy.",
                "70 percent single-origin cocoa with a clean, fruity finish.")),
            Subcategory("Pantry Staples", ("extra virgin olive oil", "pasta sauce", "wildflower honey",
                                           "spice set"), (
                "Cold-pressed from early-harvest olives for a peppery, grassy flavour.",
                "Slow-simmered Italian tomatoes, garlic and basil in every jar.")),
            Subcategory("Breakfast", ("granola", "porridge oats", "fruit jam", "pancake mix"), (
                "Toasted oats, almonds and honey clusters with no refined sugar.",
                "Whole-grain goodness for a warming start to the day.")),
        ),
        brands=("Harvest Lane", "Goldcrest Pantry", "Little Orchard", "Roastery Nine", "Olivine", "Wildbee"),
        price_median=9.0, price_sigma=0.55,
        attributes={"weight": ("200 g", "250 g", "500 g", "1 kg"),
                    "diet": ("vegan", "vegetarian", "gluten-free", "organic", "fair trade"),
                    "origin": ("Italy", "Colombia", "Kenya", "India", "Spain", "United Kingdom")},
        aspects=GENERAL_ASPECTS + ("taste",),
        uses=("everyday breakfasts", "coffee lovers", "healthy snacking", "home cooks", "gift hampers"),
        features=("Packed in recyclable packaging.",
                  "Best enjoyed within three months of opening."),
    ),
    Category(
        name="Tools",
        subcategories=(
            Subcategory("Power Tools", ("cordless drill", "impact driver", "circular saw", "jigsaw"), (
                "A brushless motor delivers 60 Nm of torque for drilling masonry and driving screws.",
                "Two 18 V batteries and a rapid charger included.")),
            Subcategory("Hand Tools", ("screwdriver set", "socket wrench set", "claw hammer",
                                       "tape measure"), (
                "Chrome vanadium steel bits resist rounding and rust.",
                "A magnetic tip and ratcheting handle speed up every job."),
                {"material": ("chrome vanadium steel", "hardened steel", "fibreglass"),
                 "color": ("yellow", "orange", "red", "black", "blue"), "pieces": ("1", "12", "32", "65")}),
            Subcategory("Storage & Workbenches", ("tool chest", "workbench", "wall pegboard kit"), (
                "Ball-bearing drawers glide smoothly even when fully loaded.",
                "A solid beech top withstands heavy hammering and clamping.")),
            Subcategory("Painting & Decorating", ("paint roller kit", "decorating brush set",
                                                  "wallpaper steamer"), (
                "Synthetic bristles lay down a smooth, streak-free coat.",
                "Everything you need to repaint a room in one weekend."),
                {"pieces": ("3", "5", "10"), "color": ("grey", "blue", "orange")}),
            Subcategory("Safety Gear", ("safety glasses", "work gloves", "ear defenders", "dust masks"), (
                "Meets EN166 impact standards with anti-fog coating.",
                "Reinforced palms protect hands during demolition and gardening."),
                {"size": ("one size", "M", "L", "XL"), "color": ("clear", "yellow", "black", "orange")}),
        ),
        brands=("Forgeline", "Torquemaster", "Brickhaven", "Steelwright", "Gridlock Tools", "Ashdown"),
        price_median=48.0, price_sigma=0.9,
        attributes={"power_source": ("cordless 18 V", "corded", "manual"),
                    "material": ("chrome vanadium steel", "hardened steel", "fibreglass", "beech", "ABS"),
                    "color": ("yellow", "orange", "red", "black", "blue")},
        aspects=GENERAL_ASPECTS + ("performance", "battery", "ease of use", "noise"),
        uses=("weekend DIY", "tradespeople", "home renovation", "first-time homeowners", "the garage"),
        features=("Covered by a five-year tool warranty.",
                  "Compatible with the brand's wider battery platform."),
    ),
    Category(
        name="Baby",
        subcategories=(
            Subcategory("Nursery", ("baby cot", "changing table", "nursery night light"), (
                "Solid beech frame with three mattress heights that adapt as baby grows.",
                "A gentle amber glow for night feeds without waking the household.")),
            Subcategory("Feeding", ("baby bottle set", "high chair", "silicone bib set"), (
                "Anti-colic vents reduce wind and fussing after feeds.",
                "Wipe-clean tray and adjustable footrest grow from six months to toddler.")),
            Subcategory("Strollers & Travel", ("pushchair", "baby carrier", "car seat"), (
                "One-hand fold and all-terrain wheels for city streets and country paths.",
                "Ergonomic hip-seat position supports baby from newborn to toddler.")),
            Subcategory("Baby Care", ("baby wipes", "nappy cream", "baby bath"), (
                "Gentle, fragrance-free formula for delicate newborn skin.",
                "Water-based wipes with no harsh chemicals.")),
        ),
        brands=("Little Wren", "Cocoon & Co", "Bramblebee", "Nestling", "Tiny Harbour"),
        price_median=45.0, price_sigma=0.95,
        attributes={"age": ("0-6 months", "6-12 months", "1-3 years", "newborn+"),
                    "color": ("oat", "grey", "sage green", "dusty pink", "white"),
                    "material": ("organic cotton", "beech", "silicone", "aluminium", "bamboo")},
        aspects=GENERAL_ASPECTS + ("ease of use", "comfort", "size"),
        uses=("new parents", "newborns", "busy families", "baby showers", "travel with little ones"),
        features=("Safety certified to European standards.",
                  "Thoughtfully designed by parents, for parents."),
    ),
)

# Words that set a product's price level apart, in titles and descriptions (budget, mid, premium).
BAND_NAMES: tuple[str, str, str] = ("budget", "mid", "premium")
BAND_SERIES: tuple[tuple[str, ...], ...] = (
    ("Basic", "Essentials", "Lite", "Go", "Mini", "Everyday"),
    ("Classic", "Plus", "Select", "Original", "Series 3", "Core"),
    ("Pro", "Elite", "Signature", "Max", "Reserve", "Ultra"),
)
BAND_ADJECTIVES: tuple[tuple[str, ...], ...] = (
    ("no-frills", "simple", "affordable", "practical", "entry-level", "budget-friendly"),
    ("versatile", "reliable", "well-rounded", "dependable", "thoughtfully made", "popular"),
    ("premium", "professional-grade", "luxury", "flagship", "handcrafted", "high-end"),
)
BAND_SENTENCES: tuple[tuple[str, ...], ...] = (
    ("A wallet-friendly choice that covers the basics well.",
     "Great value for first-timers and everyday use.",
     "Keeps things simple at an entry-level price."),
    ("A dependable middle ground between price and performance.",
     "Balanced features for most households.",
     "A sensible upgrade over entry-level models."),
    ("Premium materials and meticulous finishing throughout.",
     "Our top-of-the-range model, backed by an extended warranty.",
     "Crafted for enthusiasts who want the very best."),
)
INTROS: tuple[str, ...] = (
    "The {brand} {series} {noun} is a {adj} pick for {use}.",
    "Meet the {noun} from {brand}: {adj} and made for {use}.",
    "{brand}'s {adj} {noun} is designed for {use}.",
    "A {adj} {noun} for {use}, from {brand}.",
    "Built for {use}, this {adj} {noun} comes from {brand}'s {subcategory} range.",
    "Part of the {brand} {subcategory} collection, this {noun} is a {adj} choice for {use}.",
    "This {adj} {noun} by {brand} brings {subcategory_lower} essentials to {use}.",
)
TITLE_TEMPLATES: tuple[str, ...] = (
    "{brand} {series} {Noun}",
    "{brand} {Noun} - {value}",
    "{brand} {series} {Noun}, {value}",
    "{Noun} by {brand} ({value})",
    "{brand} {Noun} {code}",
    "{brand} {series} {Noun} {code}, {value}",
)
BOOK_TITLE_WORDS: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("Silent", "Hidden", "Last", "Winter", "Golden", "Broken", "Salt", "Paper", "Midnight", "Little",
     "Wild", "Northern", "Lost", "Green", "Iron", "Quiet", "Secret", "Simple", "Bright", "Long"),
    ("Harbor", "Orchard", "Kitchen", "Garden", "Map", "River", "Lantern", "Table", "Year", "Island",
     "Letters", "Habits", "House", "Atlas", "Forest", "Season", "Sky", "Road", "Summer", "Machine"),
)

# --- reviews -------------------------------------------------------------------------------------
# Per aspect: noun phrases that name it (each holds exactly one surface form of that aspect), and
# whole sentences praising / criticising it. Generic predicates below combine with the subjects.
ASPECT_SUBJECTS: dict[str, tuple[str, ...]] = {
    "quality": ("the quality", "the build quality", "the craftsmanship", "the overall quality"),
    "price": ("the price", "the value", "the value for money", "the cost"),
    "durability": ("the durability", "its durability", "long-term durability"),
    "ease of use": ("the setup", "the ease of use", "the instructions"),
    "design": ("the design", "the color", "the finish", "the style"),
    "size": ("the size", "the fit", "the dimensions"),
    "comfort": ("the comfort", "the comfort level"),
    "performance": ("the performance", "the speed", "the accuracy"),
    "battery": ("the battery", "the battery life", "the charging"),
    "shipping": ("the shipping", "the delivery", "the packaging"),
    "noise": ("the noise level", "the noise"),
    "taste": ("the taste", "the flavor", "the smell", "the scent"),
}
ASPECT_PRAISE: dict[str, tuple[str, ...]] = {
    "quality": ("It feels sturdy and well made.", "Really solid craftsmanship.",
                "Excellent quality for the {noun}."),
    "price": ("Worth the money.", "Very affordable for what you get.", "Great value, I would pay more."),
    "durability": ("Very durable, it has lasted for months.", "Durable enough for daily use, impressed.",
                   "Still going strong, a durable {noun}."),
    "ease of use": ("Setup was easy and the instructions were clear.", "Intuitive from the first day.",
                    "Easy to use, even for beginners."),
    "design": ("Beautiful design.", "It looks great on the shelf.", "Stylish and elegant.",
               "Love the color."),
    "size": ("It fits perfectly, great.", "The size is perfect for my space.", "Nice and compact, love it."),
    "comfort": ("Very comfortable.", "Soft and comfortable, I love it.", "Comfortable for hours."),
    "performance": ("It works great.", "Powerful and reliable performance.", "Accurate every time, superb."),
    "battery": ("The battery life is excellent.", "Great battery, it goes for days.",
                "The battery is superb."),
    "shipping": ("Arrived early and well packed.", "Quick delivery and great packaging.",
                 "The package arrived in perfect condition."),
    "noise": ("It is very quiet.", "Quiet enough to use at night, great.", "Pleasantly quiet, impressed."),
    "taste": ("Delicious.", "The flavor is excellent.", "Delicious taste, we love it."),
}
ASPECT_CRITICISM: dict[str, tuple[str, ...]] = {
    "quality": ("It feels flimsy.", "Poor craftsmanship throughout.", "Terrible quality for the {noun}."),
    "price": ("Way too expensive for what you get.", "Overpriced, the price is hard to justify.",
              "Not worth the money."),
    "durability": ("It broke after two weeks.", "Mine broke within a month, so durability is poor.",
                   "Not durable at all."),
    "ease of use": ("The instructions were useless and setup was difficult.", "Not intuitive at all.",
                    "Setup was a nightmare, difficult and annoying."),
    "design": ("The design is disappointing.", "The finish is poor.", "It looks awful in person."),
    "size": ("It was too small, so I had to return it.", "The size is wrong and hard to use.",
             "Far too big, it had to go back as a return."),
    "comfort": ("Not comfortable at all.", "The comfort is poor after an hour.",
                "Not soft, it is scratchy and annoying."),
    "performance": ("Performance is slow and weak.", "Not accurate at all.",
                    "The performance is mediocre and slow."),
    "battery": ("The battery is weak.", "The battery life is terrible.",
                "The charging is slow and annoying."),
    "shipping": ("The delivery was slow and the packaging was poor.",
                 "Awful delivery, it came two weeks late.", "Terrible shipping, it took weeks."),
    "noise": ("It is far too loud.", "Very noisy.", "The noise is annoying."),
    "taste": ("The taste is awful.", "The flavor is disappointing.", "The smell is horrible."),
}
STRONG_PRAISE: tuple[str, ...] = ("is excellent", "is superb", "is fantastic", "is amazing", "is perfect",
                                  "is great")
MILD_PRAISE: tuple[str, ...] = ("is good", "is nice", "is solid", "is pretty good", "impressed me",
                                "is really good")
STRONG_CRITICISM: tuple[str, ...] = ("is terrible", "is awful", "is horrible", "is useless", "is the worst")
MILD_CRITICISM: tuple[str, ...] = ("is poor", "is disappointing", "is mediocre", "is weak", "is not great",
                                   "is bad")
PRAISE_FRAMES: tuple[str, ...] = ("I love {subject}.", "Really happy with {subject}.",
                                  "Pleased with {subject}.")
CRITICISM_FRAMES: tuple[str, ...] = ("Disappointed with {subject}.", "Not happy with {subject}.",
                                     "I hate {subject}.")

# Sentences that name no aspect; they set the scene and close the review.
OPENERS: dict[str, tuple[str, ...]] = {
    "positive": ("I bought this {noun} last month.", "Picked up this {noun} after reading a few reviews.",
                 "This is my second {noun} from {brand}.", "Bought the {noun} as a gift for my sister.",
                 "Really happy with this {noun}."),
    "mixed": ("I have used this {noun} for a few weeks now.", "Bought this {noun} to replace my old one.",
              "Some thoughts on the {brand} {noun}."),
    "negative": ("I had high hopes for this {noun}.", "Bought this {noun} to replace my old one.",
                 "Ordered the {brand} {noun} after seeing it recommended."),
}
CLOSERS: dict[str, tuple[str, ...]] = {
    "positive": ("Would recommend.", "Highly recommend it.", "Would buy again.", "Five stars from me.",
                 "Best purchase this year."),
    "mixed": ("It's okay overall.", "Decent, nothing special.", "Three stars.", "Might keep it, might not."),
    "negative": ("I returned it.", "Would not recommend.", "Waste of money.", "Avoid."),
}
REVIEW_TITLES: dict[int, tuple[str, ...]] = {
    5: ("Love it", "Excellent buy", "Highly recommend", "Exactly what I wanted", "Five stars",
        "Superb {noun}", "Great {noun}", "Best {noun} I have owned"),
    4: ("Good {noun}", "Solid choice", "Pretty good", "Nice {noun}", "Happy with it", "Does the job well"),
    3: ("Okay", "Mixed feelings", "Decent enough", "It's fine", "Average {noun}", "Middle of the road"),
    2: ("Disappointed", "Not great", "Meh", "Could be better", "Expected more"),
    1: ("Terrible", "Do not buy", "Waste of money", "Awful {noun}", "Very disappointed"),
}
# A rare line with made-up contact details, so privacy masking has something to find.
CONTACT_LINES: tuple[str, ...] = (
    "You can reach me at {email} with questions.",
    "Questions? Email me at {email}.",
    "Happy to answer questions, call me on {phone}.",
    "Text me at {phone} if you want more photos.",
)
FIRST_NAMES: tuple[str, ...] = ("jane", "sam", "alex", "maria", "li", "omar", "priya", "tom", "nina", "leo")
LAST_NAMES: tuple[str, ...] = ("doe", "smith", "garcia", "chen", "okafor", "novak", "patel", "berg")
